package io.esm4j.sinks.sns;

/**
 * The XML bodies SNS answers with, as its API reference shows them: {@code <ActionResponse>} with an
 * {@code <ActionResult>} and {@code <ResponseMetadata><RequestId>}, and {@code <ErrorResponse>} with the error's
 * type, code and message.
 */
final class SnsXml {

    static final String NAMESPACE = "http://sns.amazonaws.com/doc/2010-03-31/";

    private SnsXml() {}

    /** A successful response; {@code result} is the inner XML of the result element, or null for none. */
    static String response(String action, String result, String requestId) {
        StringBuilder xml = new StringBuilder("<").append(action).append("Response xmlns=\"").append(NAMESPACE)
                .append("\">");
        if (result != null) {
            xml.append('<').append(action).append("Result>").append(result).append("</").append(action)
                    .append("Result>");
        }
        return xml.append("<ResponseMetadata><RequestId>").append(requestId)
                .append("</RequestId></ResponseMetadata></").append(action).append("Response>").toString();
    }

    static String error(SnsError error, String requestId) {
        return "<ErrorResponse xmlns=\"" + NAMESPACE + "\"><Error><Type>" + (error.status() >= 500 ? "Receiver" : "Sender")
                + "</Type><Code>" + error.code() + "</Code><Message>" + escape(error.getMessage())
                + "</Message></Error><RequestId>" + requestId + "</RequestId></ErrorResponse>";
    }

    static String element(String name, String value) {
        return "<" + name + ">" + escape(value) + "</" + name + ">";
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
