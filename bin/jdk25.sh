# Sourced by the other scripts: sets JAVA_HOME to a JDK 25, or stops with a message naming it.
jdk25_ok() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] && "$1/bin/java" -version 2>&1 | head -n1 | grep -qE 'version "25([."]|$)'
}
if [ -z "${JAVA_HOME:-}" ] || ! jdk25_ok "$JAVA_HOME"; then
  JAVA_HOME=""
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*; do
    if jdk25_ok "$candidate"; then JAVA_HOME="$candidate"; break; fi
  done
fi
if [ -z "$JAVA_HOME" ]; then
  echo "vhost-vertx needs JDK 25 (none found in JAVA_HOME or /usr/lib/jvm)." >&2
  echo "Install one, e.g. Temurin 25 at /usr/lib/jvm/temurin-25-jdk-amd64, or set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
