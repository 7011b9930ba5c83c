package io.esm4j.kafka.internal.schema;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/**
 * The TLS context of a registry from PEM text, in the forms Lambda's registry secrets hold: a root CA certificate
 * ({@code SERVER_ROOT_CA_CERTIFICATE}) and a client certificate chain with its PKCS#8 private key, encrypted or not
 * ({@code CLIENT_CERTIFICATE_TLS_AUTH}). Errors name what was wrong and never quote the key.
 */
public final class PemTls {

    /** A client certificate chain (leaf first) and its key, as PEM; the password only for an encrypted key. */
    public record ClientCertificate(String chain, String privateKey, @Nullable String privateKeyPassword) {}

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    /** Tried in turn on a PKCS#8 key: PKCS#8 names the algorithm only by OID, which the JDK does not map back. */
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA");
    private static final char[] NO_PASSWORD = new char[0];

    private PemTls() {}

    /**
     * @param rootCa the certificates (PEM) the registry's certificate must chain to, or null for the JVM's own
     * @param client the certificate mutual TLS presents, or null for none
     */
    public static SSLContext sslContext(@Nullable String rootCa, @Nullable ClientCertificate client) {
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(rootCa == null ? null : trustStore(rootCa));
            KeyManagerFactory keys = null;
            if (client != null) {
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(keyStore(client), NO_PASSWORD);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The JVM cannot make a TLS context for the schema registry: " + e, e);
        }
    }

    private static KeyStore trustStore(String rootCa) throws GeneralSecurityException {
        List<Certificate> certificates = certificates(rootCa, "root CA certificate");
        KeyStore store = emptyStore();
        for (int i = 0; i < certificates.size(); i++) {
            store.setCertificateEntry("ca-" + i, certificates.get(i));
        }
        return store;
    }

    private static KeyStore keyStore(ClientCertificate client) throws GeneralSecurityException {
        List<Certificate> chain = certificates(client.chain(), "client certificate");
        KeyStore store = emptyStore();
        store.setKeyEntry("client", privateKey(client), NO_PASSWORD, chain.toArray(Certificate[]::new));
        return store;
    }

    private static KeyStore emptyStore() throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("An empty key store cannot fail to load", e);
        }
        return store;
    }

    private static List<Certificate> certificates(String pem, String what) {
        List<Certificate> certificates = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block block : blocks(pem)) {
                if (block.type().equals("CERTIFICATE")) {
                    certificates.add(factory.generateCertificate(new ByteArrayInputStream(block.der())));
                }
            }
        } catch (CertificateException | IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid " + what + " for the schema registry: " + e.getMessage()
                    + ". Expected X.509 certificates in PEM (-----BEGIN CERTIFICATE-----).", e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("Invalid " + what + " for the schema registry: no PEM block "
                    + "-----BEGIN CERTIFICATE----- in " + pem.length() + " characters. Expected X.509 certificates "
                    + "in PEM.");
        }
        return certificates;
    }

    private static PrivateKey privateKey(ClientCertificate client) {
        List<Block> keys = blocks(client.privateKey()).stream()
                .filter(block -> block.type().endsWith("PRIVATE KEY")).toList();
        if (keys.size() != 1) {
            throw new IllegalArgumentException("Invalid private key for the schema registry's client certificate: "
                    + keys.size() + " PEM private key blocks. Expected one PKCS#8 key (-----BEGIN PRIVATE KEY----- "
                    + "or -----BEGIN ENCRYPTED PRIVATE KEY-----).");
        }
        Block key = keys.getFirst();
        PKCS8EncodedKeySpec spec = switch (key.type()) {
            case "PRIVATE KEY" -> new PKCS8EncodedKeySpec(key.der());
            case "ENCRYPTED PRIVATE KEY" -> decrypted(key.der(), client.privateKeyPassword());
            default -> throw new IllegalArgumentException("Invalid private key for the schema registry's client "
                    + "certificate: a PEM block " + key.type() + ". Expected PKCS#8 (-----BEGIN PRIVATE KEY----- or "
                    + "-----BEGIN ENCRYPTED PRIVATE KEY-----); convert it with openssl pkcs8 -topk8.");
        };
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next
            }
        }
        throw new IllegalArgumentException("Invalid private key for the schema registry's client certificate: not "
                + "a key of " + String.join(", ", KEY_ALGORITHMS) + (key.type().startsWith("ENCRYPTED")
                ? " once decrypted (is the password the key's own?)" : "") + ". Expected one of those in PKCS#8.");
    }

    private static PKCS8EncodedKeySpec decrypted(byte[] der, @Nullable String password) {
        if (password == null) {
            throw new IllegalArgumentException("Invalid private key for the schema registry's client certificate: "
                    + "it is encrypted and no password was given. Expected the key's password beside it.");
        }
        try {
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            String algorithm = info.getAlgName();
            Cipher cipher = Cipher.getInstance(algorithm);
            cipher.init(Cipher.DECRYPT_MODE, SecretKeyFactory.getInstance(algorithm)
                    .generateSecret(new PBEKeySpec(password.toCharArray())), info.getAlgParameters());
            return info.getKeySpec(cipher);
        } catch (InvalidKeySpecException e) {
            throw new IllegalArgumentException("Invalid private key for the schema registry's client certificate: "
                    + "it does not decrypt with the password given. Expected the key's own password.", e);
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("Invalid private key for the schema registry's client certificate: "
                    + "cannot decrypt it (" + e.getMessage() + "). Expected PKCS#8 encrypted with PBES2 or a PBE "
                    + "algorithm of the JVM.", e);
        }
    }

    private record Block(String type, byte[] der) {}

    private static List<Block> blocks(String pem) {
        List<Block> blocks = new ArrayList<>();
        Matcher matcher = BLOCK.matcher(pem);
        while (matcher.find()) {
            blocks.add(new Block(matcher.group(1), Base64.getMimeDecoder().decode(matcher.group(2))));
        }
        return blocks;
    }
}
