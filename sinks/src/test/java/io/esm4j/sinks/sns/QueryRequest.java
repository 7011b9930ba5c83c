package io.esm4j.sinks.sns;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The parameters of one AWS Query protocol request: {@code application/x-www-form-urlencoded} pairs, from the body of
 * a POST or the query string of a GET, as the SDKs send them ({@code Action=Publish&Version=2010-03-31&...}).
 */
record QueryRequest(Map<String, String> parameters) {

    static QueryRequest parse(String form) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (form != null && !form.isEmpty()) {
            for (String pair : form.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                parameters.put(name, value);
            }
        }
        return new QueryRequest(Map.copyOf(parameters));
    }

    String get(String name) {
        return parameters.get(name);
    }

    /**
     * A map parameter in the Query protocol's flattened form: {@code <prefix>.entry.N.<keyName>} and
     * {@code <prefix>.entry.N.<valueName>...}; returns, per key, the entry's fields after {@code <valueName>.}
     * (or under "" for a plain value).
     */
    Map<String, Map<String, String>> entries(String prefix, String keyName, String valueName) {
        Map<Integer, String> keys = new TreeMap<>();
        Map<Integer, Map<String, String>> values = new TreeMap<>();
        String start = prefix + ".entry.";
        for (Map.Entry<String, String> parameter : parameters.entrySet()) {
            if (!parameter.getKey().startsWith(start)) {
                continue;
            }
            String rest = parameter.getKey().substring(start.length());
            int dot = rest.indexOf('.');
            if (dot < 0) {
                continue;
            }
            int index;
            try {
                index = Integer.parseInt(rest.substring(0, dot));
            } catch (NumberFormatException e) {
                continue;
            }
            String field = rest.substring(dot + 1);
            if (field.equals(keyName)) {
                keys.put(index, parameter.getValue());
            } else if (field.equals(valueName)) {
                values.computeIfAbsent(index, i -> new TreeMap<>()).put("", parameter.getValue());
            } else if (field.startsWith(valueName + ".")) {
                values.computeIfAbsent(index, i -> new TreeMap<>())
                        .put(field.substring(valueName.length() + 1), parameter.getValue());
            }
        }
        Map<String, Map<String, String>> result = new LinkedHashMap<>();
        keys.forEach((index, key) -> result.put(key, values.getOrDefault(index, Map.of())));
        return result;
    }
}
