package org.vhostvertx.scsi;

/**
 * MODE SENSE(6) and MODE SENSE(10) (SPC-4): a mode parameter header, a block
 * descriptor unless DBD (the 16-byte long LBA form when MODE SENSE(10) has LLBAA), then the
 * requested pages. The device-specific parameter byte carries WP for a read-only LUN and DPOFUA,
 * since WRITE honours FUA. Saved values are refused with SAVING PARAMETERS NOT SUPPORTED; for
 * changeable values the block descriptor is all zeros (neither capacity nor block length can
 * change).
 */
final class ModeSense {

    private static final int WP = 0x80;
    private static final int DPOFUA = 0x10;

    private ModeSense() {
    }

    static void execute(LogicalUnit lu, byte[] cdb, DataBuffer dataIn, CommandResult result) {
        boolean ten = (cdb[0] & 0xff) == OpCodes.MODE_SENSE_10;
        boolean dbd = (cdb[1] & 0x08) != 0;
        boolean llbaa = ten && (cdb[1] & 0x10) != 0;
        int pageControl = (cdb[2] >> 6) & 0x03;
        int pageCode = cdb[2] & 0x3f;
        int subpage = BigEndian.u8(cdb, 3);
        long allocationLength = ten ? BigEndian.u16(cdb, 7) : BigEndian.u8(cdb, 4);

        boolean all = pageCode == ModePages.ALL_PAGES;
        if (!all && ModePages.length(pageCode) < 0) {
            result.invalidField(true, 2, 5);
            return;
        }
        // We have no subpages: 00h only, and FFh ("all subpages") with all pages.
        if (subpage != 0 && !(all && subpage == 0xff)) {
            result.invalidField(true, 3, 7);
            return;
        }
        if (pageControl == ModePages.SAVED) {
            result.checkCondition(SenseKeys.ILLEGAL_REQUEST, AdditionalSense.SAVING_PARAMETERS_NOT_SUPPORTED, 0);
            return;
        }
        int[] pages = all ? new int[]{ModePages.CACHING, ModePages.CONTROL} : new int[]{pageCode};

        int headerLength = ten ? 8 : 4;
        int descriptorLength = dbd ? 0 : llbaa ? 16 : 8;
        int length = headerLength + descriptorLength;
        for (int p : pages) {
            length += ModePages.length(p);
        }
        byte[] a = new byte[length];
        int deviceSpecific = (lu.readOnly() ? WP : 0) | DPOFUA;
        if (ten) {
            BigEndian.put16(a, 0, length - 2);      // MODE DATA LENGTH excludes itself
            a[3] = (byte) deviceSpecific;
            a[4] = (byte) (descriptorLength == 16 ? 0x01 : 0);   // LONGLBA
            BigEndian.put16(a, 6, descriptorLength);
        } else {
            a[0] = (byte) (length - 1);
            a[2] = (byte) deviceSpecific;
            a[3] = (byte) descriptorLength;
        }
        if (descriptorLength > 0 && pageControl != ModePages.CHANGEABLE) {
            putBlockDescriptor(lu.blocks(), descriptorLength == 16, a, headerLength);
        }
        int off = headerLength + descriptorLength;
        boolean writeCache = lu.writeCache();
        for (int p : pages) {
            ModePages.put(p, pageControl, writeCache, a, off);
            off += ModePages.length(p);
        }
        Reply.send(a, a.length, allocationLength, dataIn, result);
    }

    /** SBC-3: short LBA (8 bytes) or long LBA (16 bytes) mode parameter block descriptor. */
    static void putBlockDescriptor(long blocks, boolean longLba, byte[] a, int off) {
        if (longLba) {
            BigEndian.put64(a, off, blocks);
            BigEndian.put32(a, off + 12, LogicalUnit.BLOCK_SIZE);
        } else {
            // A capacity that does not fit says FFFFFFFFh, as READ CAPACITY(10) does.
            BigEndian.put32(a, off, Math.min(blocks, 0xffff_ffffL));
            BigEndian.put24(a, off + 5, LogicalUnit.BLOCK_SIZE);
        }
    }
}
