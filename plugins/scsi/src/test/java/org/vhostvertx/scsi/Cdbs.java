package org.vhostvertx.scsi;

/**
 * CDBs for the tests, built field by field from the standards' tables. Every CDB is 32 bytes
 * long, as virtio-scsi delivers them (cdb_size), with the command in the first bytes.
 */
final class Cdbs {

    static final int VIRTIO_CDB_SIZE = 32;

    private Cdbs() {
    }

    static byte[] of(int... bytes) {
        byte[] cdb = new byte[VIRTIO_CDB_SIZE];
        for (int i = 0; i < bytes.length; i++) {
            cdb[i] = (byte) bytes[i];
        }
        return cdb;
    }

    static byte[] testUnitReady() {
        return of(0x00, 0, 0, 0, 0, 0);
    }

    static byte[] requestSense(int allocationLength) {
        return of(0x03, 0, 0, 0, allocationLength, 0);
    }

    static byte[] inquiry(boolean evpd, int page, int allocationLength) {
        return of(0x12, evpd ? 1 : 0, page, allocationLength >> 8, allocationLength, 0);
    }

    static byte[] reportLuns(int select, long allocationLength) {
        byte[] c = of(0xa0, 0, select);
        BigEndian.put32(c, 6, allocationLength);
        return c;
    }

    static byte[] readCapacity10() {
        return of(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    static byte[] readCapacity16(long allocationLength) {
        byte[] c = of(0x9e, 0x10);
        BigEndian.put32(c, 10, allocationLength);
        return c;
    }

    static byte[] read6(int lba, int blocks) {
        return of(0x08, (lba >> 16) & 0x1f, lba >> 8, lba, blocks, 0);
    }

    static byte[] write6(int lba, int blocks) {
        return of(0x0a, (lba >> 16) & 0x1f, lba >> 8, lba, blocks, 0);
    }

    static byte[] rw10(int op, int flags, long lba, int blocks) {
        byte[] c = of(op, flags);
        BigEndian.put32(c, 2, lba);
        BigEndian.put16(c, 7, blocks);
        return c;
    }

    static byte[] rw12(int op, int flags, long lba, long blocks) {
        byte[] c = of(op, flags);
        BigEndian.put32(c, 2, lba);
        BigEndian.put32(c, 6, blocks);
        return c;
    }

    static byte[] rw16(int op, int flags, long lba, long blocks) {
        byte[] c = of(op, flags);
        BigEndian.put64(c, 2, lba);
        BigEndian.put32(c, 10, blocks);
        return c;
    }

    static byte[] read10(long lba, int blocks) {
        return rw10(0x28, 0, lba, blocks);
    }

    static byte[] write10(long lba, int blocks) {
        return rw10(0x2a, 0, lba, blocks);
    }

    static byte[] modeSense6(int flags, int pageControl, int page, int subpage, int allocationLength) {
        return of(0x1a, flags, pageControl << 6 | page, subpage, allocationLength, 0);
    }

    static byte[] modeSense10(int flags, int pageControl, int page, int subpage, int allocationLength) {
        byte[] c = of(0x5a, flags, pageControl << 6 | page, subpage);
        BigEndian.put16(c, 7, allocationLength);
        return c;
    }

    static byte[] modeSelect6(int flags, int listLength) {
        return of(0x15, flags, 0, 0, listLength, 0);
    }

    static byte[] modeSelect10(int flags, int listLength) {
        byte[] c = of(0x55, flags);
        BigEndian.put16(c, 7, listLength);
        return c;
    }

    static byte[] unmap(int listLength) {
        byte[] c = of(0x42, 0);
        BigEndian.put16(c, 7, listLength);
        return c;
    }

    /** An UNMAP parameter list: header and one descriptor per {lba, blocks} pair. */
    static byte[] unmapList(long... lbaBlocks) {
        int n = lbaBlocks.length / 2;
        byte[] p = new byte[8 + 16 * n];
        BigEndian.put16(p, 0, p.length - 2);
        BigEndian.put16(p, 2, 16 * n);
        for (int i = 0; i < n; i++) {
            BigEndian.put64(p, 8 + 16 * i, lbaBlocks[2 * i]);
            BigEndian.put32(p, 8 + 16 * i + 8, lbaBlocks[2 * i + 1]);
        }
        return p;
    }
}
