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
            DescriptorChain chain = new DescriptorChain();
            MemorySegment scratch = Arena.ofAuto().allocate(65536);
            return (Virtqueue q, QueueCounters counters) -> {
                boolean work = false;
                while (q.pop(chain)) {
                    long n = Math.min(Math.min(chain.readableLength(), chain.writableLength()), scratch.byteSize());
                    chain.read(0, scratch, 0, n);
                    chain.write(0, scratch, 0, n);
                    q.push(chain, (int) n);
                    counters.request(n);
                    work = true;
                }
                return work;
            };
        }
    }
}
