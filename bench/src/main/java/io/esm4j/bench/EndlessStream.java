package io.esm4j.bench;

import io.esm4j.stream.FetchResult;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.StreamRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A stream whose shards never run dry: each fetch makes up to the requested number of new records (increasing
 * 20-digit sequence numbers, partition keys {@code key-0..key-K} round-robin, one shared payload of
 * {@code payloadBytes} bytes, arrival = the fetch's time). A fixed-duration benchmark with a fast handler would
 * otherwise need tens of millions of pre-filled records. Every reader starts at sequence number 1, whatever the
 * start position: a benchmark run is one fresh mapping, which reads from TRIM_HORIZON anyway.
 */
final class EndlessStream extends FixedShardsStream {

    private final String[] keys;
    private final byte[] payload;

    EndlessStream(int shards, int keys, int payloadBytes) {
        super("endless", shards);
        this.keys = new String[keys];
        for (int k = 0; k < keys; k++) {
            this.keys[k] = "key-" + k;
        }
        this.payload = new byte[payloadBytes];
    }

    @Override
    public ShardReader<byte[]> openReader(String shardId, ReadStart start) {
        return new Reader(shardId);
    }

    private final class Reader implements ShardReader<byte[]> {
        private final String shardId;
        private long next = 1;
        private final char[] digits = new char[20];

        Reader(String shardId) {
            this.shardId = shardId;
        }

        @Override
        public FetchResult<byte[]> fetch(int maxRecords) {
            Instant now = Instant.now();
            List<StreamRecord<byte[]>> records = new ArrayList<>(maxRecords);
            for (int i = 0; i < maxRecords; i++) {
                long sequence = next++;
                records.add(new StreamRecord<>(shardId, sequenceNumber(sequence),
                        keys[(int) (sequence % keys.length)], now, payload.length, payload));
            }
            return new FetchResult<>(records, 0, false);
        }

        /** Zero-padded to 20 digits, like the in-memory stream's, without a Formatter. */
        private String sequenceNumber(long sequence) {
            long rest = sequence;
            for (int i = digits.length - 1; i >= 0; i--) {
                digits[i] = (char) ('0' + rest % 10);
                rest /= 10;
            }
            return new String(digits);
        }
    }
}
