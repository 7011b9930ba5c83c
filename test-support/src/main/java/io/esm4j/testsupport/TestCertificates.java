package io.esm4j.testsupport;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * Self-signed certificates for TLS tests, made by the JDK's own {@code keytool} (the JDK has no public API that makes
 * certificates), valid for two days, in the forms servers and Lambda's secrets take: a PKCS#12 store, and PEM.
 */
public final class TestCertificates {

    /** The password of every store and key made here. */
    public static final String STORE_PASSWORD = "test-store";
    private static final String ENCRYPTION = "PBEWithHmacSHA256AndAES_256";

    private TestCertificates() {}

    /**
     * A self-signed certificate and its key.
     *
     * @param keyStore       a PKCS#12 store (password {@link #STORE_PASSWORD}) holding the key under {@code alias}
     * @param certificatePem the certificate in PEM
     * @param privateKeyPem  the key in unencrypted PKCS#8 PEM
     */
    public record Identity(String alias, Path keyStore, String certificatePem, String privateKeyPem) {

        /** The key in PKCS#8 PEM, encrypted with {@code password} (PBES2, as {@code openssl pkcs8 -topk8} does). */
        public String encryptedPrivateKeyPem(String password) throws GeneralSecurityException, IOException {
            byte[] salt = new byte[16];
            byte[] iv = new byte[16];
            SecureRandom random = new SecureRandom();
            random.nextBytes(salt);
            random.nextBytes(iv);
            Cipher cipher = Cipher.getInstance(ENCRYPTION);
            cipher.init(Cipher.ENCRYPT_MODE, SecretKeyFactory.getInstance(ENCRYPTION)
                    .generateSecret(new PBEKeySpec(password.toCharArray())),
                    new PBEParameterSpec(salt, 10_000, new IvParameterSpec(iv)));
            byte[] encrypted = cipher.doFinal(Base64.getMimeDecoder().decode(privateKeyPem
                    .replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "")));
            // Named PBES2, its OID, for the key's DER: the cipher's own name has no OID.
            AlgorithmParameters pbes2 = AlgorithmParameters.getInstance("PBES2");
            pbes2.init(cipher.getParameters().getEncoded());
            return pem("ENCRYPTED PRIVATE KEY", new EncryptedPrivateKeyInfo(pbes2, encrypted).getEncoded());
        }

        /**
         * An HTTPS server with this identity on 127.0.0.1 and a free port, not started yet; with
         * {@code needClientAuth}, clients must present a certificate among {@code trustedPems}.
         */
        public HttpsServer httpsServer(boolean needClientAuth, String... trustedPems)
                throws GeneralSecurityException, IOException {
            SSLContext tls = sslContext(trustedPems);
            HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(tls) {
                @Override
                public void configure(HttpsParameters parameters) {
                    SSLParameters ssl = tls.getDefaultSSLParameters();
                    ssl.setNeedClientAuth(needClientAuth);
                    parameters.setSSLParameters(ssl);
                }
            });
            return server;
        }

        /**
         * A server's TLS context: this identity's key, and as trust the PEM certificates given (for a server that
         * asks clients for theirs), or the JVM's default without any.
         */
        public SSLContext sslContext(String... trustedPems) throws GeneralSecurityException, IOException {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(keyStore), STORE_PASSWORD.toCharArray());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trustedPems.length == 0 ? null : trustStore(trustedPems));
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        }
    }

    /**
     * A new self-signed identity in {@code directory}: an EC P-256 key (fast to make) and a certificate for
     * {@code CN=<commonName>}; with {@code forLoopback}, also for 127.0.0.1 and localhost, as a server on loopback
     * needs.
     */
    public static Identity selfSigned(Path directory, String alias, String commonName, boolean forLoopback)
            throws IOException, GeneralSecurityException {
        Path store = directory.resolve(alias + ".p12");
        List<String> args = new ArrayList<>(List.of("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname",
                "secp256r1", "-validity", "2", "-dname", "CN=" + commonName, "-storetype", "PKCS12", "-keystore",
                store.toString(), "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD));
        if (forLoopback) {
            args.addAll(List.of("-ext", "SAN=ip:127.0.0.1,dns:localhost"));
        }
        keytool(args);
        KeyStore keyStore = load(store);
        return new Identity(alias, store, pem("CERTIFICATE", keyStore.getCertificate(alias).getEncoded()),
                pem("PRIVATE KEY", keyStore.getKey(alias, STORE_PASSWORD.toCharArray()).getEncoded()));
    }

    /** A PKCS#12 trust store (password {@link #STORE_PASSWORD}) at {@code file} holding these PEM certificates. */
    public static Path trustStoreFile(Path file, String... pems) throws IOException, GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(file)) {
            trustStore(pems).store(out, STORE_PASSWORD.toCharArray());
        }
        return file;
    }

    private static KeyStore trustStore(String... pems) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        for (int i = 0; i < pems.length; i++) {
            for (Certificate certificate : factory.generateCertificates(new java.io.ByteArrayInputStream(
                    pems[i].getBytes(StandardCharsets.US_ASCII)))) {
                store.setCertificateEntry("trusted-" + i + "-" + store.size(), certificate);
            }
        }
        return store;
    }

    private static KeyStore load(Path store) throws IOException, GeneralSecurityException {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, STORE_PASSWORD.toCharArray());
        }
        return keyStore;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static void keytool(List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(args);
        Path log = Files.createTempFile("keytool", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool " + args.getFirst() + " failed:\n" + Files.readString(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while keytool ran", e);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
