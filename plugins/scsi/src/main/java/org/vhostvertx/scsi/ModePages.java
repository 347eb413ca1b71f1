package org.vhostvertx.scsi;

/**
 * The mode pages we have, shared by MODE SENSE (which reports them) and MODE SELECT (which
 * checks a new copy against them): Caching (SBC-3), whose WCE bit is the one parameter
 * an initiator may change, and Control (SPC-4), all fixed. Neither is saveable (PS=0):
 * settings last until the back end restarts.
 */
final class ModePages {

    static final int CACHING = 0x08;
    static final int CONTROL = 0x0a;
    static final int ALL_PAGES = 0x3f;

    /** Page control, the top two bits of byte 2 of MODE SENSE (SPC-4). */
    static final int CURRENT = 0;
    static final int CHANGEABLE = 1;
    static final int DEFAULT = 2;
    static final int SAVED = 3;

    /** Byte 2 of the caching page: the write cache is enabled. */
    static final int WCE = 0x04;
    /** A LogicalUnit starts with its write cache on. */
    static final boolean DEFAULT_WRITE_CACHE = true;

    private ModePages() {
    }

    /** The whole page's length in bytes (header included), or -1 for a page we do not have. */
    static int length(int pageCode) {
        return switch (pageCode) {
            case CACHING -> 20;
            case CONTROL -> 12;
            default -> -1;
        };
    }

    /** Writes the page as the page control asks: current, default or changeable (a bit mask). */
    static void put(int pageCode, int pageControl, boolean writeCache, byte[] out, int off) {
        int len = length(pageCode);
        out[off] = (byte) pageCode;     // PS=0, SPF=0
        out[off + 1] = (byte) (len - 2);
        if (pageCode == CACHING) {
            boolean wce = switch (pageControl) {
                case CURRENT -> writeCache;
                case DEFAULT -> DEFAULT_WRITE_CACHE;
                default -> true;        // changeable: WCE is
            };
            out[off + 2] = (byte) (wce ? WCE : 0);
            // Every other field (retention, prefetch, segments) is 0: "no preference".
        } else if (pageCode == CONTROL && pageControl != CHANGEABLE) {
            // TST 000b (one task set), D_SENSE 0 (fixed sense), QERR 00b. QUEUE ALGORITHM MODIFIER
            // 1h: commands may be reordered freely, which is what several request queues do.
            out[off + 3] = 0x10;
        }
    }
}
