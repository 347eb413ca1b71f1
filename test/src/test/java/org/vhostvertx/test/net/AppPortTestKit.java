package org.vhostvertx.test.net;

import org.vhostvertx.net.NetApp;

/** The ARP and ICMP responder for tests in other packages (the guest tests). */
public final class AppPortTestKit {

    private AppPortTestKit() {
    }

    /** A responder for the IPv4 address ip ("a.b.c.d"). */
    public static NetApp responder(String ip) {
        String[] parts = ip.split("\\.");
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) Integer.parseInt(parts[i]);
        }
        return new ArpIcmpResponder(b);
    }

    /** The echo replies a responder made. */
    public static long echoReplies(NetApp responder) {
        return ((ArpIcmpResponder) responder).echoReplies.get();
    }
}
