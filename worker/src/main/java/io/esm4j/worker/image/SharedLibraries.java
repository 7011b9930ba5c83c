package io.esm4j.worker.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The system libraries (libc, the dynamic loader, libz, ...) that the runtime's executables and shared objects link
 * against, as {@code ldd} reports them, so an image without a base (FROM scratch) can run the JVM. Without
 * {@code ldd} none are found and the image needs a base image with a C library.
 */
final class SharedLibraries {

    private static final Pattern PATH = Pattern.compile("(?:=>\\s*)?(/\\S+)\\s+\\(0x");

    private SharedLibraries() {}

    /** The libraries outside {@code runtime} that the ELF files among {@code files} need. */
    static TreeSet<Path> of(Path runtime, Collection<Path> files) throws IOException {
        Path root = runtime.toRealPath();
        TreeSet<Path> libraries = new TreeSet<>();
        for (Path file : files) {
            if (isElf(file)) {
                for (Path library : ldd(file)) {
                    if (!library.toRealPath().startsWith(root)) {
                        libraries.add(library);
                    }
                }
            }
        }
        return libraries;
    }

    private static boolean isElf(Path file) throws IOException {
        byte[] magic = new byte[4];
        try (var in = Files.newInputStream(file)) {
            return in.read(magic) == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
        }
    }

    private static TreeSet<Path> ldd(Path file) throws IOException {
        TreeSet<Path> found = new TreeSet<>();
        Process process;
        try {
            process = new ProcessBuilder("ldd", file.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            return found;
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running ldd", e);
        }
        Matcher matcher = PATH.matcher(output);
        while (matcher.find()) {
            Path library = Path.of(matcher.group(1));
            if (Files.isRegularFile(library)) {
                found.add(library);
            }
        }
        return found;
    }
}
