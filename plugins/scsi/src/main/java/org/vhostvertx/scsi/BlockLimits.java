package org.vhostvertx.scsi;

/**
 * The limits the Block Limits VPD page (SBC-3) advertises, in logical blocks, and that
 * the commands then enforce: a driver that reads the page never exceeds them, and one that does
 * gets INVALID FIELD IN CDB as SBC-3 asks.
 */
final class BlockLimits {

    /** Physical blocks of 4096 bytes: the page size, and what file systems allocate in. */
    static final int LOGICAL_PER_PHYSICAL_EXPONENT = 3;
    static final int OPTIMAL_TRANSFER_GRANULARITY = 1 << LOGICAL_PER_PHYSICAL_EXPONENT;

    /**
     * 16 MiB per READ or WRITE. The transport's own limits (virtio-scsi max_sectors, seg_max)
     * are usually lower, and Linux uses the lowest, so this only bounds odd initiators.
     */
    static final long MAX_TRANSFER_LENGTH = 32768;

    /** 1 MiB: large enough that a pwritev/preadv costs far more than the command around it. */
    static final long OPTIMAL_TRANSFER_LENGTH = 2048;

    /**
     * 2 GiB per UNMAP or WRITE SAME: a hole punch is fast, but writing zeros when the file system
     * cannot punch is not, and one command should not hold a worker for long.
     */
    static final long MAX_UNMAP_LBA_COUNT = 4L << 20;
    static final long MAX_WRITE_SAME_LENGTH = MAX_UNMAP_LBA_COUNT;

    /** Linux sends one descriptor per UNMAP; a few hundred keeps the parameter list small. */
    static final int MAX_UNMAP_DESCRIPTORS = 256;

    /** Holes are punched in file system blocks; smaller unmaps only zero. */
    static final long OPTIMAL_UNMAP_GRANULARITY = OPTIMAL_TRANSFER_GRANULARITY;

    private BlockLimits() {
    }
}
