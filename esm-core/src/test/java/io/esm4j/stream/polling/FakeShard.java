package io.esm4j.stream.polling;

import io.esm4j.stream.ReadStart;
import io.esm4j.stream.StreamRecord;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * One shard in memory, read the way Kinesis is read: iterators name a position and a generation (older generations
 * have expired), aggregates expand into {@code <seq>/<sub>} records, and a sub-record position opens at its aggregate
 * (AT_SEQUENCE_NUMBER) and relies on {@link #precedes} to drop what was handed out. Faults and empty pages are
 * scripted per call.
 */
final class FakeShard implements IteratorCalls<String> {

    static final class Throttled extends RuntimeException {
        Throttled() {
            super("throttled");
        }
    }

    static final class Expired extends RuntimeException {
        Expired() {
            super("iterator expired");
        }
    }

    static final class Trimmed extends RuntimeException {
        Trimmed() {
            super("trimmed");
        }
    }

    /** A service record; {@code subRecords} &gt; 0 makes it an aggregate of that many user records. */
    private record Entry(long sequenceNumber, int subRecords, Instant arrival) {}

    private final Clock clock;
    private final List<Entry> entries = new ArrayList<>();
    private final Deque<RuntimeException> openFaults = new ArrayDeque<>();
    private final Deque<RuntimeException> getRecordsFaults = new ArrayDeque<>();
    private final List<ReadStart> opens = new ArrayList<>();
    private final List<String> iteratorsRead = new ArrayList<>();
    private final List<Integer> limits = new ArrayList<>();
    private boolean closed;
    private int generation;
    private long trimmedBelow;
    private int emptyPagesBehind;
    private long emptyPagesLag;

    FakeShard(Clock clock) {
        this.clock = clock;
    }

    /** Appends plain records and returns the last one's sequence number. */
    String append(int count) {
        for (int i = 0; i < count; i++) {
            entries.add(new Entry(entries.size() + 1, 0, clock.instant()));
        }
        return String.valueOf(entries.size());
    }

    /** Appends one aggregate of {@code subRecords} user records and returns its sequence number. */
    String appendAggregate(int subRecords) {
        entries.add(new Entry(entries.size() + 1, subRecords, clock.instant()));
        return String.valueOf(entries.size());
    }

    void close() {
        closed = true;
    }

    void expireIterators() {
        generation++;
    }

    /** Records with sequence numbers below this one are gone, as past a stream's retention. */
    void trimBelow(long sequenceNumber) {
        trimmedBelow = sequenceNumber;
    }

    /** The next GetRecords calls return empty pages that report the reader behind, without moving on. */
    void emptyPagesBehind(int pages) {
        emptyPagesBehind(pages, 1_000);
    }

    /** As {@link #emptyPagesBehind(int)}, with this lag; -1 for a service that reports none (DynamoDB Streams). */
    void emptyPagesBehind(int pages, long millisBehindLatest) {
        emptyPagesBehind = pages;
        emptyPagesLag = millisBehindLatest;
    }

    void failNextOpens(RuntimeException... faults) {
        openFaults.addAll(List.of(faults));
    }

    void failNextGetRecords(RuntimeException... faults) {
        getRecordsFaults.addAll(List.of(faults));
    }

    List<ReadStart> opens() {
        return List.copyOf(opens);
    }

    /** The iterator of each GetRecords call, failed ones included. */
    List<String> iteratorsRead() {
        return List.copyOf(iteratorsRead);
    }

    List<Integer> limits() {
        return List.copyOf(limits);
    }

    int getRecordsCalls() {
        return iteratorsRead.size();
    }

    @Override
    public String openIterator(ReadStart start) {
        opens.add(start);
        if (!openFaults.isEmpty()) {
            throw openFaults.pollFirst();
        }
        int index = switch (start) {
            case ReadStart.TrimHorizon t -> firstIndexFrom(trimmedBelow);
            case ReadStart.Latest l -> entries.size();
            case ReadStart.AtTimestamp at -> {
                int i = firstIndexFrom(trimmedBelow);
                while (i < entries.size() && entries.get(i).arrival().isBefore(at.timestamp())) {
                    i++;
                }
                yield i;
            }
            case ReadStart.AfterSequenceNumber after -> {
                String[] position = after.sequenceNumber().split("/");
                long sequenceNumber = Long.parseLong(position[0]);
                if (sequenceNumber < trimmedBelow) {
                    throw new Trimmed();
                }
                int at = firstIndexFrom(sequenceNumber);
                yield position.length == 2 ? at : at + 1;
            }
        };
        return generation + ":" + index;
    }

    @Override
    public Page<String> getRecords(String iterator, int limit) {
        iteratorsRead.add(iterator);
        limits.add(limit);
        if (!getRecordsFaults.isEmpty()) {
            throw getRecordsFaults.pollFirst();
        }
        String[] parts = iterator.split(":");
        if (Integer.parseInt(parts[0]) < generation) {
            throw new Expired();
        }
        if (emptyPagesBehind > 0) {
            emptyPagesBehind--;
            return new Page<>(List.of(), iterator, emptyPagesLag, true);
        }
        int from = Integer.parseInt(parts[1]);
        int to = Math.min(entries.size(), from + limit);
        List<StreamRecord<String>> records = new ArrayList<>();
        for (Entry entry : entries.subList(from, to)) {
            if (entry.subRecords() == 0) {
                records.add(record(String.valueOf(entry.sequenceNumber()), entry.arrival()));
            }
            for (int sub = 0; sub < entry.subRecords(); sub++) {
                records.add(record(entry.sequenceNumber() + "/" + sub, entry.arrival()));
            }
        }
        String next = closed && to == entries.size() ? null : generation + ":" + to;
        return Page.of(records, next, to < entries.size() ? 1_000 : 0);
    }

    @Override
    public CallFailure classify(Exception failure) {
        return switch (failure) {
            case Throttled t -> CallFailure.THROTTLED;
            case Expired e -> CallFailure.ITERATOR_EXPIRED;
            case Trimmed t -> CallFailure.POSITION_TRIMMED;
            default -> CallFailure.OTHER;
        };
    }

    /** Kinesis's rule: after {@code S/k}, the sub-records of aggregate {@code S} up to {@code k} were handed out. */
    @Override
    public boolean precedes(StreamRecord<String> record, ReadStart start) {
        if (!(start instanceof ReadStart.AfterSequenceNumber after) || !after.sequenceNumber().contains("/")) {
            return false;
        }
        String[] position = after.sequenceNumber().split("/");
        String[] candidate = record.sequenceNumber().split("/");
        return candidate.length == 2 && candidate[0].equals(position[0])
                && Integer.parseInt(candidate[1]) <= Integer.parseInt(position[1]);
    }

    private int firstIndexFrom(long sequenceNumber) {
        int i = 0;
        while (i < entries.size() && entries.get(i).sequenceNumber() < sequenceNumber) {
            i++;
        }
        return i;
    }

    private static StreamRecord<String> record(String sequenceNumber, Instant arrival) {
        return new StreamRecord<>("shard-0", sequenceNumber, "key", arrival, 10, sequenceNumber);
    }
}
