package org.vhostvertx.test.plugin;

import io.vertx.core.json.JsonObject;
import org.vhostvertx.device.DeviceContext;
import org.vhostvertx.device.DeviceException;
import org.vhostvertx.device.DeviceFactory;
import org.vhostvertx.device.DeviceSpec;
import org.vhostvertx.device.ProtocolFeatures;
import org.vhostvertx.device.QueueHandler;
import org.vhostvertx.device.VirtioDevice;
import org.vhostvertx.virtq.DescriptorChain;
import org.vhostvertx.virtq.Virtqueue;
import org.vhostvertx.worker.QueueCounters;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;
import java.util.Set;

/**
 * A device type that lives outside this project's modules, found by ServiceLoader from the test
 * class path as a third party's plugin jar would be: it copies what the driver gives it into the
 * buffer's writable part, and its 8-byte config space is writable, each write announced to the
 * driver as a config change.
 */
public final class EchoDeviceFactory implements DeviceFactory {

    @Override
    public String type() {
        return "echo";
    }

    @Override
    public Optional<Set<String>> deviceFields() {
        return Optional.of(Set.of("greeting"));
    }

    @Override
    public VirtioDevice create(JsonObject config, DeviceContext context) {
        if (config.getValue("greeting") != null && !(config.getValue("greeting") instanceof String)) {
            throw new DeviceException("\"greeting\" must be a string");
        }
        return new Echo(context);
    }

    static final class Echo implements VirtioDevice {
        private final DeviceContext context;
        private final byte[] config = new byte[8];

        Echo(DeviceContext context) {
            this.context = context;
        }

        @Override
        public DeviceSpec spec() {
            return new DeviceSpec(0x3f, 0, ProtocolFeatures.CONFIG, 1, 256);
        }

        @Override
        public synchronized byte[] config() {
            return config.clone();
        }

        @Override
        public synchronized void writeConfig(int offset, byte[] data) {
            if (offset < 0 || offset + data.length > config.length) {
                throw new DeviceException("echo config has 8 bytes");
            }
            System.arraycopy(data, 0, config, offset, data.length);
            context.configChanged();
        }

        @Override
        public QueueHandler queueHandler(int index, long features) {
            return new EchoQueue();
        }
    }

    /**
     * Echoes every buffer, except that one whose first byte is 'H' is held, as an asynchronous
     * device holds a request in progress, until a buffer whose first byte is 'R' releases it.
     */
    static final class EchoQueue implements QueueHandler {
        private DescriptorChain chain = new DescriptorChain();
        private DescriptorChain held = new DescriptorChain();
        private boolean holding;
        private final MemorySegment scratch = Arena.ofAuto().allocate(65536);

        @Override
        public boolean process(Virtqueue q, QueueCounters counters) {
            boolean work = false;
            while (q.pop(chain)) {
                work = true;
                byte first = chain.readableLength() > 0 ? firstByte(chain) : 0;
                if (first == 'H' && !holding) {
                    DescriptorChain c = held;
                    held = chain;
                    chain = c;
                    holding = true;
                    continue;
                }
                echo(q, chain, counters);
                if (first == 'R' && holding) {
                    echo(q, held, counters);
                    holding = false;
                }
            }
            return work;
        }

        private byte firstByte(DescriptorChain c) {
            c.read(0, scratch, 0, 1);
            return scratch.get(ValueLayout.JAVA_BYTE, 0);
        }

        private void echo(Virtqueue q, DescriptorChain c, QueueCounters counters) {
            long n = Math.min(Math.min(c.readableLength(), c.writableLength()), scratch.byteSize());
            c.read(0, scratch, 0, n);
            c.write(0, scratch, 0, n);
            q.push(c, (int) n);
            counters.request(n);
        }
    }
}
