package io.esm4j.filter;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code {"cidr": "10.0.0.0/24"}}: a string value that is an IP address inside the block. IPv4 and IPv6; an address
 * of the other family never matches.
 *
 * @param network      the block's address with its host bits cleared
 * @param prefixLength the number of leading bits that must agree
 */
record Cidr(byte[] network, int prefixLength) implements Condition {

    /** @throws IllegalArgumentException naming what is wrong with the block */
    static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0 || slash != text.lastIndexOf('/')) {
            throw new IllegalArgumentException("expected an address, '/' and a prefix length, such as 10.0.0.0/24");
        }
        byte[] address = IpAddress.parse(text.substring(0, slash));
        if (address == null) {
            throw new IllegalArgumentException("'" + text.substring(0, slash) + "' is not an IPv4 or IPv6 address");
        }
        String bits = text.substring(slash + 1);
        int maxBits = address.length * 8;
        if (bits.isEmpty() || bits.length() > 3 || !bits.chars().allMatch(c -> c >= '0' && c <= '9')
                || Integer.parseInt(bits) > maxBits) {
            throw new IllegalArgumentException("prefix length '" + bits + "' is not between 0 and " + maxBits);
        }
        int prefixLength = Integer.parseInt(bits);
        for (int bit = prefixLength; bit < maxBits; bit++) {
            address[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return new Cidr(address, prefixLength);
    }

    @Override
    public boolean test(JsonNode leaf) {
        if (!leaf.isTextual()) {
            return false;
        }
        byte[] address = IpAddress.parse(leaf.textValue());
        if (address == null || address.length != network.length) {
            return false;
        }
        int fullBytes = prefixLength / 8;
        for (int i = 0; i < fullBytes; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int remainingBits = prefixLength % 8;
        if (remainingBits == 0) {
            return true;
        }
        int mask = 0xff << (8 - remainingBits) & 0xff;
        return (address[fullBytes] & mask) == (network[fullBytes] & 0xff);
    }
}
