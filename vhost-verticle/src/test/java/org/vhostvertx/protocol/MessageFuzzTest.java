package org.vhostvertx.protocol;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.vhostvertx.device.DeviceSpec;
import org.vhostvertx.device.ProtocolFeatures;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A front end's byte stream, cut into pieces of any size with descriptors anywhere, through the
 * decoder, the request table and the config-space payload check, as {@link MessageReader} and
 * {@link FrontEndConnection} use them. Properties: the decoder gives back exactly the messages the
 * stream holds (re-encoding them gives the bytes consumed), or refuses a header fatally and
 * nothing else; the table admits a message only when its shape matches its row and its feature is
 * negotiated, and otherwise refuses without being fatal; an admitted GET/SET_CONFIG names bytes
 * inside the config space and its own payload, or is refused.
 *
 * <p>In a plain build this replays the inputs under
 * {@code src/test/resources/org/vhostvertx/protocol/MessageFuzzTestInputs/decode}; {@code bin/fuzz
 * message} runs a campaign.
 */
class MessageFuzzTest {

    /** A blk-like device: it has the protocol features with requests of their own. */
    private static final DeviceSpec SPEC = new DeviceSpec(2, (1L << 9) | (1L << 11), ProtocolFeatures.CONFIG
            | ProtocolFeatures.INFLIGHT_SHMFD | ProtocolFeatures.RARP | ProtocolFeatures.NET_MTU, 4, 1024, 1024);

    private final MemorySegment buf = MemorySegment.ofArray(new byte[Message.HEADER_SIZE + MessageDecoder.MAX_PAYLOAD]);

    @FuzzTest(maxDuration = "60s")
    void decode(FuzzedDataProvider data) {
        FeatureNegotiation negotiation = new FeatureNegotiation(SPEC);
        if (data.consumeBoolean()) {
            try {
                negotiation.setFeatures(data.consumeLong());
            } catch (ProtocolException refused) {
                assertFalse(refused.fatal());
            }
        }
        try {
            negotiation.setProtocolFeatures(data.consumeLong() & negotiation.offeredProtocolFeatures());
        } catch (ProtocolException refused) {
            fail("offered protocol features refused: " + refused.getMessage());
        }
        // How the stream arrives: piece sizes (0 = all that is wanted) and descriptors per piece.
        byte[] pieces = data.consumeBytes(16);
        byte[] stream = data.consumeRemainingAsBytes();

        MessageDecoder decoder = new MessageDecoder(buf);
        ByteArrayOutputStream reencoded = new ByteArrayOutputStream();
        int consumed = 0;
        int step = 0;
        int nextFd = 1000;
        while (consumed < stream.length) {
            int want = decoder.want();
            assertTrue(want > 0 && want <= Message.HEADER_SIZE + MessageDecoder.MAX_PAYLOAD, "want " + want);
            int piece = pieces.length == 0 ? 0 : pieces[step % pieces.length] & 0xff;
            step++;
            int n = Math.min(Math.min(want, stream.length - consumed), piece & 0x0f) ;
            if (n == 0) {
                n = Math.min(want, stream.length - consumed);
            }
            // Descriptors come with some pieces; as the socket does, no more than the slots left.
            int fds = Math.min(piece >>> 6, decoder.fdSlots().length - decoder.fdCount());
            for (int i = 0; i < fds; i++) {
                decoder.fdSlots()[decoder.fdCount() + i] = nextFd++;
            }
            MemorySegment.copy(stream, consumed, decoder.space(), ValueLayout.JAVA_BYTE, 0, n);
            Message m;
            try {
                m = decoder.received(n, fds);
            } catch (ProtocolException refused) {
                assertTrue(refused.fatal(), "a bad header is fatal");
                int headerAt = reencoded.size();
                assertTrue(consumed + n - headerAt >= Message.HEADER_SIZE, "refused before its header was complete");
                ByteBuffer h = ByteBuffer.wrap(stream, headerAt, Message.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
                int flags = h.getInt(headerAt + 4);
                int size = h.getInt(headerAt + 8);
                assertTrue((flags & Message.VERSION_MASK) != Message.VERSION || size < 0
                        || size > MessageDecoder.MAX_PAYLOAD, "a good header refused: " + refused.getMessage());
                return;
            }
            consumed += n;
            if (m != null) {
                assertTrue(m.payload.length <= MessageDecoder.MAX_PAYLOAD);
                assertEquals(0, decoder.fdCount(), "descriptors went with the message");
                byte[] header = ByteBuffer.allocate(Message.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(m.code).putInt(m.flags).putInt(m.payload.length).array();
                reencoded.writeBytes(header);
                reencoded.writeBytes(m.payload);
                assertEquals(consumed, reencoded.size(), "a message ends where its bytes end");
                admit(m, negotiation);
            }
        }
        assertArrayEquals(Arrays.copyOf(stream, reencoded.size()), reencoded.toByteArray());
    }

    /** The request table and the payload check of the variable-size requests. */
    private static void admit(Message m, FeatureNegotiation negotiation) {
        Request r;
        try {
            r = Request.admit(m, negotiation);
        } catch (ProtocolException refused) {
            assertFalse(refused.fatal(), "the table's refusals are not fatal");
            return;
        }
        assertEquals(m.code, r.code());
        assertTrue(negotiation.negotiated(r.needs()), r + " admitted without " + r.needs());
        assertTrue(r.payloadSize() < 0 || r.payloadSize() == m.payload.length, r + " of the wrong size");
        assertTrue(r.fds() < 0 || r.fds() == m.fdCount(), r + " with the wrong descriptors");
        if (r == Request.GET_CONFIG || r == Request.SET_CONFIG) {
            ConfigChannel.Access a;
            try {
                a = ConfigChannel.Access.of(m);
            } catch (ProtocolException refused) {
                assertFalse(refused.fatal());
                return;
            }
            assertTrue(a.offset() >= 0 && a.size() >= 0
                            && (long) a.offset() + a.size() <= ConfigChannel.MAX_CONFIG_SIZE,
                    r + " admitted for " + a.size() + " bytes at " + a.offset());
            assertEquals(12 + a.size(), m.payload.length);
        }
    }
}
