package org.vhostvertx.scsi;

/**
 * MODE SELECT(6) and MODE SELECT(10) (SPC-4). The only parameter an initiator can
 * change is WCE in the caching page (Linux does it when "write through" is written to
 * cache_type; sdparm --set WCE does it directly). The whole list is checked before anything
 * changes, so a rejected list changes nothing.
 *
 * <p>What we refuse: PF=0 (vendor-specific page format) and SP=1 (we cannot save) as invalid
 * fields in the CDB; in the parameter list, a non-zero medium type, a block descriptor length
 * other than 0 or the one descriptor the LONGLBA bit implies, a block length other than 512, a
 * number of blocks other than 0 or the current capacity, an unknown page or subpage, a page of
 * the wrong length, and any bit differing from the current value that the changeable mask does
 * not allow, each as INVALID FIELD IN PARAMETER LIST pointing at the offending byte (and bit);
 * a list cut off inside its header, block descriptor or a page as PARAMETER LIST LENGTH ERROR.
 * The mode data length and device-specific parameter bytes are reserved in MODE SELECT and
 * ignored, as is the PS bit of each page, so a MODE SENSE answer can be sent back as it is.
 */
final class ModeSelect {

    private static final int PF = 0x10;
    private static final int SP = 0x01;

    private ModeSelect() {
    }

    static void execute(LogicalUnit lu, byte[] cdb, DataBuffer dataOut, CommandResult result) {
        boolean ten = (cdb[0] & 0xff) == OpCodes.MODE_SELECT_10;
        if ((cdb[1] & PF) == 0) {
            result.invalidField(true, 1, 4);
            return;
        }
        if ((cdb[1] & SP) != 0) {
            result.invalidField(true, 1, 0);
            return;
        }
        int listLength = ten ? BigEndian.u16(cdb, 7) : BigEndian.u8(cdb, 4);
        int lengthField = ten ? 7 : 4;
        if (listLength == 0) {
            return;                     // SPC-4: no parameter data is not an error
        }
        if (dataOut.length() < listLength) {
            result.invalidField(true, lengthField, 7);
            return;
        }
        byte[] p = new byte[listLength];
        dataOut.get(0, p, 0, listLength);
        result.dataOutLength = listLength;

        int headerLength = ten ? 8 : 4;
        if (listLength < headerLength) {
            lengthError(result);
            return;
        }
        int mediumType = ten ? 2 : 1;
        if (p[mediumType] != 0) {
            result.invalidField(false, mediumType, 7);
            return;
        }
        int descriptorLength = ten ? BigEndian.u16(p, 6) : BigEndian.u8(p, 3);
        boolean longLba = ten && (p[4] & 0x01) != 0;
        if (descriptorLength != 0 && descriptorLength != (longLba ? 16 : 8)) {
            result.invalidField(false, ten ? 6 : 3, 7);
            return;
        }
        if (headerLength + descriptorLength > listLength) {
            lengthError(result);
            return;
        }
        if (descriptorLength > 0 && !blockDescriptorMatches(lu, p, headerLength, longLba, result)) {
            return;
        }

        boolean current = lu.writeCache();
        boolean wce = current;
        int pos = headerLength + descriptorLength;
        while (pos < listLength) {
            if (listLength - pos < 2) {
                lengthError(result);
                return;
            }
            if ((p[pos] & 0x40) != 0) {
                result.invalidField(false, pos, 6);     // SPF: we have no subpages
                return;
            }
            int code = p[pos] & 0x3f;
            int expected = ModePages.length(code);
            if (expected < 0) {
                result.invalidField(false, pos, 5);
                return;
            }
            int pageLength = BigEndian.u8(p, pos + 1) + 2;
            if (pos + pageLength > listLength) {
                lengthError(result);
                return;
            }
            if (pageLength != expected) {
                result.invalidField(false, pos + 1, 7);
                return;
            }
            if (!onlyChangeableDiffer(code, current, p, pos, expected, result)) {
                return;
            }
            if (code == ModePages.CACHING) {
                wce = (p[pos + 2] & ModePages.WCE) != 0;
            }
            pos += pageLength;
        }
        if (wce != current) {
            lu.writeCache(wce);
        }
    }

    /** The block length must be ours; the number of blocks 0 ("keep") or the capacity. */
    private static boolean blockDescriptorMatches(LogicalUnit lu, byte[] p, int off, boolean longLba,
                                                  CommandResult result) {
        long blocks = longLba ? BigEndian.u64(p, off) : BigEndian.u32(p, off);
        long blockLength = longLba ? BigEndian.u32(p, off + 12) : BigEndian.u24(p, off + 5);
        if (blockLength != LogicalUnit.BLOCK_SIZE) {
            result.invalidField(false, longLba ? off + 12 : off + 5, 7);
            return false;
        }
        long capacity = longLba ? lu.blocks() : Math.min(lu.blocks(), 0xffff_ffffL);
        if (blocks != 0 && blocks != capacity) {
            result.invalidField(false, off, 7);
            return false;
        }
        return true;
    }

    /** Compares bytes 2.. of the page with the current values, outside the changeable mask. */
    private static boolean onlyChangeableDiffer(int code, boolean writeCache, byte[] p, int pos, int length,
                                                CommandResult result) {
        byte[] current = new byte[length];
        byte[] changeable = new byte[length];
        ModePages.put(code, ModePages.CURRENT, writeCache, current, 0);
        ModePages.put(code, ModePages.CHANGEABLE, writeCache, changeable, 0);
        for (int i = 2; i < length; i++) {
            int differs = (p[pos + i] ^ current[i]) & ~changeable[i] & 0xff;
            if (differs != 0) {
                result.invalidField(false, pos + i, 31 - Integer.numberOfLeadingZeros(differs));
                return false;
            }
        }
        return true;
    }

    private static void lengthError(CommandResult result) {
        result.checkCondition(SenseKeys.ILLEGAL_REQUEST, AdditionalSense.PARAMETER_LIST_LENGTH_ERROR, 0);
    }
}
