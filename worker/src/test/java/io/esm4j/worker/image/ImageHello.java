package io.esm4j.worker.image;

/** The entry point of the test image's jar. */
public final class ImageHello {

    private ImageHello() {}

    public static void main(String[] args) {
        System.out.println("hello from the image, java.home=" + System.getProperty("java.home"));
    }
}
