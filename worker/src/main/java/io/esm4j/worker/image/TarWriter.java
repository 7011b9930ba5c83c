package io.esm4j.worker.image;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal POSIX ustar writer: regular files and directories with fixed owner root, mode and time 0, so the same
 * input gives the same bytes (and the same layer digest). Names up to 255 bytes (prefix and name fields).
 */
final class TarWriter implements AutoCloseable {

    private static final int BLOCK = 512;
    private final OutputStream out;

    TarWriter(OutputStream out) {
        this.out = out;
    }

    void directory(String path, int mode) throws IOException {
        header(path.endsWith("/") ? path : path + "/", 0, mode, '5');
    }

    /** A file whose content is streamed from {@code source} (symbolic links are followed). */
    void file(String path, java.nio.file.Path source, int mode) throws IOException {
        long size = java.nio.file.Files.size(source);
        header(path, size, mode, '0');
        java.nio.file.Files.copy(source, out);
        pad(size);
    }

    void file(String path, byte[] content, int mode) throws IOException {
        header(path, content.length, mode, '0');
        out.write(content);
        pad(content.length);
    }

    private void header(String path, long size, int mode, char type) throws IOException {
        byte[] header = new byte[BLOCK];
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (name.length <= 100) {
            System.arraycopy(name, 0, header, 0, name.length);
        } else {
            int split = path.lastIndexOf('/', Math.min(path.length() - 1, 155));
            byte[] prefix = path.substring(0, split).getBytes(StandardCharsets.UTF_8);
            byte[] rest = path.substring(split + 1).getBytes(StandardCharsets.UTF_8);
            if (split <= 0 || prefix.length > 155 || rest.length > 100) {
                throw new IOException("path too long for a ustar header: " + path);
            }
            System.arraycopy(rest, 0, header, 0, rest.length);
            System.arraycopy(prefix, 0, header, 345, prefix.length);
        }
        octal(header, 100, 8, mode);
        octal(header, 108, 8, 0);
        octal(header, 116, 8, 0);
        octal(header, 124, 12, size);
        octal(header, 136, 12, 0);
        header[156] = (byte) type;
        System.arraycopy("ustar\u000000".getBytes(StandardCharsets.US_ASCII), 0, header, 257, 8);
        for (int i = 148; i < 156; i++) {
            header[i] = ' ';
        }
        long checksum = 0;
        for (byte b : header) {
            checksum += b & 0xff;
        }
        octal(header, 148, 7, checksum);
        header[155] = ' ';
        out.write(header);
    }

    private static void octal(byte[] header, int offset, int length, long value) {
        String text = Long.toOctalString(value);
        String padded = "0".repeat(Math.max(0, length - 1 - text.length())) + text;
        byte[] bytes = padded.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }

    private void pad(long size) throws IOException {
        int rest = (int) (size % BLOCK);
        if (rest > 0) {
            out.write(new byte[BLOCK - rest]);
        }
    }

    /** The two zero blocks that end an archive; does not close the stream. */
    @Override
    public void close() throws IOException {
        out.write(new byte[BLOCK * 2]);
        out.flush();
    }
}
