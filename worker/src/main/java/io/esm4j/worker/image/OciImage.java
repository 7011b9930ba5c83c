package io.esm4j.worker.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * Builds the worker's container image without a Docker daemon or registry: an image {@code FROM scratch} with two
 * layers, a Java runtime made by jlink (with the shared libraries it links against, found with {@code ldd}, so it
 * runs without a base image) and the worker's jar, written as an OCI image layout in a tar file that also carries
 * Docker's {@code manifest.json}, so both {@code docker load} and OCI tools (podman, skopeo, containerd) read it.
 *
 * <pre>java -cp esm4j-worker.jar io.esm4j.worker.image.OciImage [--jlink MODULES] RUNTIME_DIR WORKER_JAR OUTPUT_TAR [NAME:TAG]</pre>
 *
 * With {@code --jlink}, the runtime is made first (into RUNTIME_DIR, replaced) by the jlink of the running JDK.
 */
public final class OciImage {

    static final String JAVA_HOME = "opt/esm4j/java";
    static final String JAR = "opt/esm4j/esm4j-worker.jar";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar";
    private static final String CONFIG_TYPE = "application/vnd.oci.image.config.v1+json";
    private static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";

    private OciImage() {}

    public static void main(String[] args) throws Exception {
        List<String> rest = new ArrayList<>(List.of(args));
        String modules = null;
        if (rest.size() > 1 && rest.get(0).equals("--jlink")) {
            modules = rest.get(1);
            rest = rest.subList(2, rest.size());
        }
        if (rest.size() < 3) {
            System.err.println("usage: OciImage [--jlink MODULES] RUNTIME_DIR WORKER_JAR OUTPUT_TAR [NAME:TAG]");
            System.exit(2);
        }
        Path runtime = Path.of(rest.get(0));
        if (modules != null) {
            jlink(modules, runtime);
        }
        Path out = Path.of(rest.get(2));
        build(runtime, Path.of(rest.get(1)), out, rest.size() > 3 ? rest.get(3) : "esm4j-worker:latest");
        System.out.println("wrote " + out);
    }

    /** A runtime of these modules (comma-separated) in {@code output}, without debug data, headers or man pages. */
    public static void jlink(String modules, Path output) throws IOException {
        if (Files.exists(output)) {
            try (Stream<Path> files = Files.walk(output)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
        ToolProvider jlink = ToolProvider.findFirst("jlink").orElseThrow(() -> new IllegalStateException(
                "jlink is missing: run with a JDK (not a JRE) that has the jdk.jlink module"));
        int status = jlink.run(System.out, System.err, "--add-modules", modules, "--strip-debug",
                "--no-header-files", "--no-man-pages", "--output", output.toString());
        if (status != 0) {
            throw new IllegalStateException("jlink failed with status " + status);
        }
    }

    /** A blob of the layout: its digest ({@code sha256:...}), size and file. */
    record Blob(String digest, long size, Path file) {
        String hex() {
            return digest.substring("sha256:".length());
        }
    }

    public static void build(Path runtime, Path jar, Path output, String name) throws IOException {
        Path work = Files.createTempDirectory("esm4j-image");
        try {
            SortedMap<String, Path> runtimeFiles = new TreeMap<>();
            try (Stream<Path> files = Files.walk(runtime)) {
                files.filter(Files::isRegularFile).forEach(file -> runtimeFiles.put(JAVA_HOME + "/"
                        + runtime.relativize(file).toString().replace('\\', '/'), file));
            }
            for (Path library : SharedLibraries.of(runtime, runtimeFiles.values())) {
                runtimeFiles.put(library.toString().substring(1), library);
            }
            Blob runtimeLayer = layer(work.resolve("runtime.tar"), runtimeFiles, true);
            Blob appLayer = layer(work.resolve("app.tar"), new TreeMap<>(Map.of(JAR, jar)), false);
            Blob config = json(work.resolve("config.json"), config(List.of(runtimeLayer, appLayer)));
            ObjectNode manifest = JSON.createObjectNode();
            manifest.put("schemaVersion", 2);
            manifest.put("mediaType", MANIFEST_TYPE);
            manifest.set("config", descriptor(CONFIG_TYPE, config));
            ArrayNode layers = manifest.putArray("layers");
            layers.add(descriptor(LAYER_TYPE, runtimeLayer));
            layers.add(descriptor(LAYER_TYPE, appLayer));
            Blob manifestBlob = json(work.resolve("manifest-oci.json"), manifest);
            write(output, name, List.of(runtimeLayer, appLayer), config, manifestBlob);
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    private static ObjectNode config(List<Blob> layers) {
        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", "amd64");
        config.put("os", "linux");
        ObjectNode run = config.putObject("config");
        // Out of memory, the JVM is not to be trusted (a mapping stops on it, and liveness stays up): exit instead,
        // so that the container is restarted.
        run.putArray("Entrypoint").add("/" + JAVA_HOME + "/bin/java").add("-XX:+ExitOnOutOfMemoryError").add("-jar")
                .add("/" + JAR);
        run.putArray("Cmd").add("--bind").add("0.0.0.0").add("--data-dir").add("/data");
        run.putArray("Env").add("PATH=/" + JAVA_HOME + "/bin").add("JAVA_HOME=/" + JAVA_HOME);
        run.putObject("ExposedPorts").putObject("8080/tcp");
        run.put("WorkingDir", "/data");
        ObjectNode rootfs = config.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode diffIds = rootfs.putArray("diff_ids");
        layers.forEach(layer -> diffIds.add(layer.digest()));
        return config;
    }

    private static ObjectNode descriptor(String mediaType, Blob blob) {
        ObjectNode descriptor = JSON.createObjectNode();
        descriptor.put("mediaType", mediaType);
        descriptor.put("digest", blob.digest());
        descriptor.put("size", blob.size());
        return descriptor;
    }

    /** An uncompressed layer tar (its digest is also its diff id), with every parent directory. */
    private static Blob layer(Path file, SortedMap<String, Path> files, boolean withSystemDirs) throws IOException {
        TreeSet<String> directories = new TreeSet<>();
        files.keySet().forEach(path -> {
            for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
                directories.add(path.substring(0, slash));
            }
        });
        return digesting(file, out -> {
            try (TarWriter tar = new TarWriter(out)) {
                if (withSystemDirs) {
                    tar.directory("tmp", 01777);
                    tar.directory("data", 0777);
                }
                for (String directory : directories) {
                    tar.directory(directory, 0755);
                }
                for (var entry : files.entrySet()) {
                    tar.file(entry.getKey(), entry.getValue(), Files.isExecutable(entry.getValue()) ? 0755 : 0644);
                }
            }
        });
    }

    private static Blob json(Path file, ObjectNode json) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(json);
        return digesting(file, out -> out.write(bytes));
    }

    private interface Content {
        void write(OutputStream out) throws IOException;
    }

    private static Blob digesting(Path file, Content content) throws IOException {
        MessageDigest sha256 = sha256();
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(file), sha256)) {
            content.write(out);
        }
        return new Blob("sha256:" + HexFormat.of().formatHex(sha256.digest()), Files.size(file), file);
    }

    private static void write(Path output, String name, List<Blob> layers, Blob config, Blob manifest)
            throws IOException {
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", "application/vnd.oci.image.index.v1+json");
        ObjectNode entry = descriptor(MANIFEST_TYPE, manifest);
        entry.putObject("annotations").put("io.containerd.image.name", name)
                .put("org.opencontainers.image.ref.name", name.substring(name.lastIndexOf(':') + 1));
        index.putArray("manifests").add(entry);
        ArrayNode docker = JSON.createArrayNode();
        ObjectNode image = docker.addObject();
        image.put("Config", "blobs/sha256/" + config.hex());
        image.putArray("RepoTags").add(name);
        ArrayNode dockerLayers = image.putArray("Layers");
        layers.forEach(layer -> dockerLayers.add("blobs/sha256/" + layer.hex()));
        Files.createDirectories(output.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(output); TarWriter tar = new TarWriter(out)) {
            tar.file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8), 0644);
            tar.file("index.json", JSON.writeValueAsBytes(index), 0644);
            tar.file("manifest.json", JSON.writeValueAsBytes(docker), 0644);
            tar.directory("blobs", 0755);
            tar.directory("blobs/sha256", 0755);
            List<Blob> blobs = new ArrayList<>(layers);
            blobs.add(config);
            blobs.add(manifest);
            for (Blob blob : blobs) {
                tar.file("blobs/sha256/" + blob.hex(), blob.file(), 0644);
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
