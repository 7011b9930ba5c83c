package io.esm4j.testing;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * FIFO queue: each message group keeps its messages in send order, in flight or not, and is locked while any of
 * them is in flight. Only unlocked groups with messages are offered, so a receive never scans a locked group.
 */
final class FifoReady implements ReadyMessages {

    private static final class Group {
        final String id;
        /** In send order; the in-flight ones keep their place so that they come first again if they return. */
        final LinkedHashSet<StoredMessage> messages = new LinkedHashSet<>();
        int inFlight;

        Group(String id) {
            this.id = id;
        }
    }

    private final Map<String, Group> groups = new HashMap<>();
    /** Groups with messages and none in flight, in the order they became so. */
    private final LinkedHashSet<Group> unlocked = new LinkedHashSet<>();

    @Override
    public void sent(StoredMessage message) {
        Group group = groups.computeIfAbsent(message.content.groupId(), Group::new);
        group.messages.add(message);
        if (group.inFlight == 0) {
            unlocked.add(group);
        }
    }

    /** The queue reports only messages it sent here, and a message keeps its group until it is removed. */
    private Group groupOf(StoredMessage message) {
        Group group = groups.get(message.content.groupId());
        if (group == null) {
            throw new IllegalStateException("message " + message.content.messageId() + " of group "
                    + message.content.groupId() + " is not in this queue's groups");
        }
        return group;
    }

    @Override
    public void take(int max, Predicate<StoredMessage> deliver) {
        int delivered = 0;
        while (delivered < max && !unlocked.isEmpty()) {
            Group group = unlocked.removeFirst();
            // An unlocked group has nothing in flight, so its messages are all visible and go out from the head.
            for (Iterator<StoredMessage> it = group.messages.iterator(); delivered < max && it.hasNext(); ) {
                StoredMessage message = it.next();
                if (deliver.test(message)) {
                    group.inFlight++;
                    delivered++;
                } else {
                    it.remove();
                }
            }
            // The inner loop stops early only after a delivery, so a group with nothing in flight is now empty.
            if (group.inFlight == 0) {
                groups.remove(group.id);
            }
        }
    }

    @Override
    public void returned(StoredMessage message) {
        Group group = groupOf(message);
        group.inFlight--;
        if (group.inFlight == 0) {
            unlocked.add(group);
        }
    }

    @Override
    public void removed(StoredMessage message) {
        Group group = groupOf(message);
        group.messages.remove(message);
        if (message.inFlight) {
            group.inFlight--;
        }
        if (group.messages.isEmpty()) {
            groups.remove(group.id);
            unlocked.remove(group);
        } else if (group.inFlight == 0) {
            unlocked.add(group);
        }
    }

    @Override
    public boolean hasDeliverable() {
        return !unlocked.isEmpty();
    }

    @Override
    public void forEach(Consumer<StoredMessage> action) {
        groups.values().forEach(group -> group.messages.forEach(action));
    }
}
