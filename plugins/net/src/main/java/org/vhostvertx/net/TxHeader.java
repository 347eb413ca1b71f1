package org.vhostvertx.net;

import org.vhostvertx.virtq.DescriptorChain;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Checks the virtio-net header of a transmitted frame. No offload is negotiated yet, so a header
 * that asks for a checksum to be completed (NEEDS_CSUM) or for segmentation (gso_type) is one the
 * driver should not have sent: the frame is dropped and counted as a bad header, never passed on
 * half-done.
 */
final class TxHeader {

    static final int F_NEEDS_CSUM = 1;

    private TxHeader() {
    }

    /** True when the header of tx (read into scratch, 12 bytes) asks for nothing we cannot do. */
    static boolean acceptable(DescriptorChain tx, MemorySegment scratch) {
        tx.read(0, scratch, 0, NetFeatures.HEADER);
        int flags = scratch.get(ValueLayout.JAVA_BYTE, 0);
        int gsoType = scratch.get(ValueLayout.JAVA_BYTE, 1);
        return (flags & F_NEEDS_CSUM) == 0 && gsoType == 0;
    }
}
