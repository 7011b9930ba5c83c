package io.esm4j.worker.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a ustar archive into its entries (name to content and mode), for tests. */
final class TarEntries {

    record Entry(byte[] content, int mode, boolean directory) {}

    private TarEntries() {}

    static Map<String, Entry> read(InputStream in) throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        byte[] header = new byte[512];
        while (in.readNBytes(header, 0, 512) == 512) {
            if (header[0] == 0) {
                break;
            }
            String name = text(header, 0, 100);
            String prefix = text(header, 345, 155);
            String path = prefix.isEmpty() ? name : prefix + "/" + name;
            long size = Long.parseLong(text(header, 124, 12).trim(), 8);
            int mode = Integer.parseInt(text(header, 100, 8).trim(), 8);
            byte[] content = in.readNBytes((int) size);
            long padding = (512 - size % 512) % 512;
            in.skipNBytes(padding);
            entries.put(path, new Entry(content, mode, header[156] == '5'));
        }
        return entries;
    }

    private static String text(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }
}
