package org.vhostvertx.scsi;

/**
 * The data of one SCSI command: the data-out bytes the driver sent, or the data-in room it gave
 * for the answer. The queue handler implements it over guest memory; block transfers go between
 * the image file and guest memory with no copy in between.
 */
public interface DataBuffer {

    /** The bytes the driver provided. */
    long length();

    /** Copies len bytes of src into the buffer at offset (data-in: small answers). */
    void put(long offset, byte[] src, int srcOffset, int len);

    /** Copies len bytes of the buffer at offset into dst (data-out: parameter lists). */
    void get(long offset, byte[] dst, int dstOffset, int len);

    /** preadv from fd at fileOffset into the buffer at offset; the bytes moved, or -errno. */
    long fromFile(int fd, long fileOffset, long offset, long len);

    /** pwritev from the buffer at offset to fd at fileOffset; the bytes moved, or -errno. */
    long toFile(int fd, long fileOffset, long offset, long len);

    /** A buffer of no bytes. */
    DataBuffer EMPTY = new DataBuffer() {
        @Override
        public long length() {
            return 0;
        }

        @Override
        public void put(long offset, byte[] src, int srcOffset, int len) {
            throw new IndexOutOfBoundsException("no data buffer");
        }

        @Override
        public void get(long offset, byte[] dst, int dstOffset, int len) {
            throw new IndexOutOfBoundsException("no data buffer");
        }

        @Override
        public long fromFile(int fd, long fileOffset, long offset, long len) {
            throw new IndexOutOfBoundsException("no data buffer");
        }

        @Override
        public long toFile(int fd, long fileOffset, long offset, long len) {
            throw new IndexOutOfBoundsException("no data buffer");
        }
    };
}
