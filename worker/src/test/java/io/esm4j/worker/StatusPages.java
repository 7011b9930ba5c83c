package io.esm4j.worker;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the worker's HTML status page as a user reads it: which worker owns each shard of a mapping. */
final class StatusPages {

    /** A row of the mappings table: UUID, source kind, event source. */
    private static final Pattern MAPPING_ROW = Pattern.compile("<tr><td>([^<]*)</td><td>[^<]*</td><td>([^<]*)</td>");
    /** A row of a shard table: the shard, its owner (the header row has th cells and does not match). */
    private static final Pattern SHARD_ROW = Pattern.compile("<tr><td>[^<]*</td><td>([^<]*)</td>");

    private StatusPages() {}

    /**
     * The owner column of the shard table of the mapping whose UUID or event source is {@code mapping}; empty when
     * the page shows no such mapping or no shards of it. Only the owner column counts: "handing over to" names a
     * worker that does not own the shard yet.
     */
    static List<String> shardOwners(String page, String mapping) {
        Matcher row = MAPPING_ROW.matcher(page);
        String uuid = null;
        while (uuid == null && row.find()) {
            if (row.group(1).equals(mapping) || row.group(2).equals(mapping)) {
                uuid = row.group(1);
            }
        }
        List<String> owners = new ArrayList<>();
        if (uuid == null) {
            return owners;
        }
        String heading = "<h3>Shards of " + uuid + "</h3>";
        int start = page.indexOf(heading);
        if (start < 0) {
            return owners;
        }
        int end = page.indexOf("</table>", start);
        Matcher shard = SHARD_ROW.matcher(page.substring(start, end < 0 ? page.length() : end));
        while (shard.find()) {
            owners.add(shard.group(1));
        }
        return owners;
    }
}
