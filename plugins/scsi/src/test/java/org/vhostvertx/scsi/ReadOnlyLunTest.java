package org.vhostvertx.scsi;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vhostvertx.storage.ImageStore;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A read-only LUN refuses every command that writes with DATA PROTECT, WRITE PROTECTED. */
class ReadOnlyLunTest {

    private ImageStore store;
    private Harness h;

    @BeforeEach
    void open() {
        store = ImageStore.ram(2048 * 512);
        // Put data on the image through a writable LUN first, so "unchanged" means something.
        LogicalUnit writer = Harness.lun(store, false);
        new Harness(writer, false).write(0, Patterns.filled(16, 0xab));
        h = new Harness(Harness.lun(store, true), false);
    }

    @AfterEach
    void close() {
        h.close();
    }

    static Stream<Arguments> writingCommands() {
        byte[] list = Cdbs.unmapList(0, 4);
        return Stream.of(
                Arguments.of("WRITE(6)", Cdbs.write6(0, 1), new byte[512]),
                Arguments.of("WRITE(10)", Cdbs.write10(0, 1), new byte[512]),
                Arguments.of("WRITE(10) FUA", Cdbs.rw10(0x2a, 0x08, 0, 1), new byte[512]),
                Arguments.of("WRITE(12)", Cdbs.rw12(0xaa, 0, 0, 1), new byte[512]),
                Arguments.of("WRITE(16)", Cdbs.rw16(0x8a, 0, 0, 1), new byte[512]),
                Arguments.of("WRITE(10) of no blocks", Cdbs.write10(0, 0), new byte[0]),
                Arguments.of("WRITE(16) out of range", Cdbs.rw16(0x8a, 0, 5000, 1), new byte[512]),
                Arguments.of("WRITE SAME(10)", Cdbs.rw10(0x41, 0, 0, 4), new byte[512]),
                Arguments.of("WRITE SAME(10) UNMAP", Cdbs.rw10(0x41, 0x08, 0, 4), new byte[512]),
                Arguments.of("WRITE SAME(16)", Cdbs.rw16(0x93, 0, 0, 4), new byte[512]),
                Arguments.of("WRITE SAME(16) UNMAP", Cdbs.rw16(0x93, 0x08, 0, 4), new byte[512]),
                Arguments.of("WRITE SAME(16) NDOB", Cdbs.rw16(0x93, 0x09, 0, 4), new byte[0]),
                Arguments.of("UNMAP", Cdbs.unmap(list.length), list));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("writingCommands")
    void refusesWithDataProtect(String name, byte[] cdb, byte[] dataOut) {
        TestBuffer out = TestBuffer.of(dataOut);
        h.run(cdb, out, DataBuffer.EMPTY);
        Senses.assertWriteProtected(h.result);
        assertEquals(0, h.result.dataOutLength);
        assertEquals(0, out.fileCalls());
        assertArrayEquals(Patterns.filled(16, 0xab), h.read(0, 16));
    }

    @Test
    void readsAndEverythingElseWork() {
        assertArrayEquals(Patterns.filled(4, 0xab), h.dataIn(Cdbs.read10(0, 4), 2048));
        h.good(Cdbs.testUnitReady());
        h.dataIn(Cdbs.readCapacity16(32), 32);
        h.dataIn(Cdbs.modeSense6(0, 0, 0x3f, 0, 255), 255);
        byte[] list = Hex.bytes("00 00 00 00 08 12 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
        h.dataOut(Cdbs.modeSelect6(0x10, list.length), list);   // the cache setting is not the medium
    }
}
