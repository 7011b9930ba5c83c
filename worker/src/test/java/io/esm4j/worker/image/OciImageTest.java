package io.esm4j.worker.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image tarball is a valid OCI image layout and docker-load archive: every blob matches its digest, the manifest
 * names the config and both layers, the config has the entry point and the layers' diff ids, and the layers hold the
 * runtime (with the C libraries it needs) and the jar. As root, the image's file system is unpacked and its entry
 * point run in a chroot, as a container runtime would, with nothing from the host.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OciImageTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path directory;
    private Map<String, TarEntries.Entry> image;

    @BeforeAll
    void buildImage() throws Exception {
        Path runtime = directory.resolve("runtime");
        OciImage.jlink("java.base", runtime);
        Path jar = directory.resolve("app.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, ImageHello.class.getName());
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest);
             InputStream hello = ImageHello.class.getResourceAsStream("ImageHello.class")) {
            out.putNextEntry(new JarEntry(ImageHello.class.getName().replace('.', '/') + ".class"));
            hello.transferTo(out);
            out.closeEntry();
        }
        Path tarball = directory.resolve("image.tar");
        OciImage.build(runtime, jar, tarball, "esm4j-worker:test");
        try (InputStream in = Files.newInputStream(tarball)) {
            image = TarEntries.read(in);
        }
    }

    @Test
    void isAnOciLayoutAndADockerArchiveWithConfigEntrypointAndLayers() throws Exception {
        assertThat(JSON.readTree(image.get("oci-layout").content()).path("imageLayoutVersion").asText())
                .isEqualTo("1.0.0");
        for (Map.Entry<String, TarEntries.Entry> entry : image.entrySet()) {
            if (entry.getKey().startsWith("blobs/sha256/") && !entry.getValue().directory()) {
                assertThat(sha256(entry.getValue().content())).as(entry.getKey())
                        .isEqualTo(entry.getKey().substring("blobs/sha256/".length()));
            }
        }
        JsonNode index = JSON.readTree(image.get("index.json").content());
        JsonNode descriptor = index.path("manifests").get(0);
        assertThat(descriptor.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.manifest.v1+json");
        assertThat(descriptor.path("annotations").path("io.containerd.image.name").asText())
                .isEqualTo("esm4j-worker:test");
        JsonNode manifest = JSON.readTree(blob(descriptor.path("digest").asText()));
        assertThat(manifest.path("layers")).hasSize(2);
        JsonNode config = JSON.readTree(blob(manifest.path("config").path("digest").asText()));
        assertThat(config.path("os").asText()).isEqualTo("linux");
        assertThat(config.path("config").path("Entrypoint").toString())
                .isEqualTo("[\"/opt/esm4j/java/bin/java\",\"-XX:+ExitOnOutOfMemoryError\",\"-jar\","
                        + "\"/opt/esm4j/esm4j-worker.jar\"]");
        assertThat(config.path("config").path("Cmd").toString()).contains("\"--bind\",\"0.0.0.0\"");
        assertThat(config.path("config").path("ExposedPorts").has("8080/tcp")).isTrue();
        for (int i = 0; i < 2; i++) {
            assertThat(config.path("rootfs").path("diff_ids").get(i).asText())
                    .isEqualTo(manifest.path("layers").get(i).path("digest").asText());
        }
        JsonNode docker = JSON.readTree(image.get("manifest.json").content()).get(0);
        assertThat(docker.path("Config").asText()).isEqualTo("blobs/sha256/"
                + manifest.path("config").path("digest").asText().substring(7));
        assertThat(docker.path("RepoTags").get(0).asText()).isEqualTo("esm4j-worker:test");
        assertThat(docker.path("Layers")).hasSize(2);

        Map<String, TarEntries.Entry> runtime = layer(manifest, 0);
        assertThat(runtime).containsKeys("opt/esm4j/java/bin/java", "opt/esm4j/java/lib/libjli.so", "tmp/", "data/");
        assertThat(runtime.get("opt/esm4j/java/bin/java").mode()).isEqualTo(0755);
        if (onPath("ldd")) {
            assertThat(runtime.keySet()).anyMatch(name -> name.endsWith("/libc.so.6"));
        }
        assertThat(layer(manifest, 1)).containsKey("opt/esm4j/esm4j-worker.jar");
    }

    @Test
    void theEntryPointRunsOnTheImagesFileSystemAlone() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && onPath("chroot") && onPath("mount")
                && onPath("ldd"), "needs root, chroot, mount and ldd");
        JsonNode index = JSON.readTree(image.get("index.json").content());
        JsonNode manifest = JSON.readTree(blob(index.path("manifests").get(0).path("digest").asText()));
        Path root = directory.resolve("rootfs");
        for (int i = 0; i < 2; i++) {
            unpack(layer(manifest, i), root);
        }
        Path proc = Files.createDirectories(root.resolve("proc"));
        // The dynamic loader finds the runtime's own libraries through /proc/self/exe, as in any container.
        assumeTrue(run(List.of("mount", "-t", "proc", "proc", proc.toString())).exitValue() == 0,
                "cannot mount /proc here");
        try {
            Process java = run(List.of("chroot", root.toString(), "/opt/esm4j/java/bin/java",
                    "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/esm4j/esm4j-worker.jar"));
            String output = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(java.exitValue()).as(output).isZero();
            assertThat(output).contains("hello from the image, java.home=/opt/esm4j/java");
        } finally {
            run(List.of("umount", "-l", proc.toString()));
        }
    }

    private byte[] blob(String digest) {
        return image.get("blobs/sha256/" + digest.substring("sha256:".length())).content();
    }

    private Map<String, TarEntries.Entry> layer(JsonNode manifest, int i) throws IOException {
        return TarEntries.read(new ByteArrayInputStream(blob(manifest.path("layers").get(i).path("digest").asText())));
    }

    private static void unpack(Map<String, TarEntries.Entry> layer, Path root) throws IOException {
        for (Map.Entry<String, TarEntries.Entry> entry : layer.entrySet()) {
            Path target = root.resolve(entry.getKey());
            if (entry.getValue().directory()) {
                Files.createDirectories(target);
            } else {
                Files.createDirectories(target.getParent());
                Files.write(target, entry.getValue().content());
                if ((entry.getValue().mode() & 0100) != 0) {
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
        }
    }

    private static Process run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.waitFor(120, TimeUnit.SECONDS);
        return process;
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static String sha256(byte[] content) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }
}
