package io.esm4j.kafka.internal.schema.proto;

import io.esm4j.kafka.internal.schema.proto.ProtoTokens.Kind;
import io.esm4j.kafka.internal.schema.proto.ProtoTypes.EnumType;
import io.esm4j.kafka.internal.schema.proto.ProtoTypes.Field;
import io.esm4j.kafka.internal.schema.proto.ProtoTypes.Label;
import io.esm4j.kafka.internal.schema.proto.ProtoTypes.MessageType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads one {@code .proto} file (proto2, proto3 or an edition) into its message and enum types, registered by full
 * name in {@code types}. What decoding does not need is read past: options (but {@code json_name}), services,
 * extensions, reserved ranges. Proto2 groups are refused.
 */
final class ProtoParser {

    private final ProtoTokens tokens;
    private final Map<String, Object> types;
    private final List<MessageType> topLevel = new ArrayList<>();
    private String packageName = "";
    private boolean explicitPresence = true;

    private ProtoParser(String source, Map<String, Object> types) {
        this.tokens = new ProtoTokens(source);
        this.types = types;
    }

    /** The file's top-level messages in the order written (what Confluent's message indexes count). */
    static List<MessageType> parse(String source, Map<String, Object> types) {
        ProtoParser parser = new ProtoParser(source, types);
        parser.file();
        return parser.topLevel;
    }

    private void file() {
        while (tokens.peek().kind() != Kind.END) {
            if (tokens.takeIf("syntax")) {
                String syntax = assignedString();
                if (!syntax.equals("proto2") && !syntax.equals("proto3")) {
                    throw new ProtoSyntaxException("syntax \"" + syntax + "\": expected proto2 or proto3");
                }
                explicitPresence = syntax.equals("proto2");
            } else if (tokens.takeIf("edition")) {
                assignedString();
                explicitPresence = true;
            } else if (tokens.takeIf("package")) {
                packageName = tokens.expect(Kind.IDENT).text();
                tokens.expect(";");
            } else if (tokens.takeIf("import")) {
                if (!tokens.takeIf("public")) {
                    tokens.takeIf("weak");
                }
                tokens.expect(Kind.STRING);
                tokens.expect(";");
            } else if (tokens.takeIf("message")) {
                topLevel.add(message(packageName));
            } else if (tokens.takeIf("enum")) {
                enumType(packageName);
            } else if (tokens.takeIf("option")) {
                skipStatement();
            } else if (tokens.takeIf("service") || tokens.takeIf("extend")) {
                skipToBlock();
            } else if (!tokens.takeIf(";")) {
                throw ProtoTokens.error(tokens.peek(), "expected syntax, package, import, option, message, enum, "
                        + "service or extend");
            }
        }
    }

    private String assignedString() {
        tokens.expect("=");
        String value = tokens.expect(Kind.STRING).text();
        tokens.expect(";");
        return value;
    }

    private MessageType message(String scope) {
        MessageType message = new MessageType(qualified(scope, tokens.expect(Kind.IDENT).text()), explicitPresence);
        register(message.fullName, message);
        tokens.expect("{");
        int oneofs = 0;
        while (!tokens.takeIf("}")) {
            if (tokens.peek().kind() == Kind.END) {
                throw ProtoTokens.error(tokens.peek(), "expected '}'");
            } else if (tokens.takeIf(";")) {
                continue;
            } else if (tokens.takeIf("option") || tokens.takeIf("reserved") || tokens.takeIf("extensions")) {
                skipStatement();
            } else if (tokens.takeIf("message")) {
                message.nested.add(message(message.fullName));
            } else if (tokens.takeIf("enum")) {
                enumType(message.fullName);
            } else if (tokens.takeIf("extend")) {
                skipToBlock();
            } else if (tokens.takeIf("oneof")) {
                tokens.expect(Kind.IDENT);
                tokens.expect("{");
                while (!tokens.takeIf("}")) {
                    if (tokens.takeIf("option")) {
                        skipStatement();
                    } else if (!tokens.takeIf(";")) {
                        add(message, field(Label.NONE, oneofs));
                    }
                }
                oneofs++;
            } else if (tokens.peek().is("map") && tokens.peek(1).is("<")) {
                add(message, mapField(message));
            } else {
                Label label = tokens.takeIf("repeated") ? Label.REPEATED : tokens.takeIf("optional") ? Label.OPTIONAL
                        : tokens.takeIf("required") ? Label.REQUIRED : Label.NONE;
                add(message, field(label, -1));
            }
        }
        return message;
    }

    private Field field(Label label, int oneof) {
        if (tokens.peek().is("group")) {
            throw ProtoTokens.error(tokens.peek(), "a field (proto2 groups are not supported)");
        }
        String type = typeName();
        String name = tokens.expect(Kind.IDENT).text();
        tokens.expect("=");
        int number = fieldNumber();
        String jsonName = fieldOptions();
        tokens.expect(";");
        return new Field(name, jsonName, number, label, type, oneof, false);
    }

    /** {@code map<K, V> name = n;}: a repeated entry message of key (1) and value (2), as protoc makes it. */
    private Field mapField(MessageType message) {
        tokens.expect("map");
        tokens.expect("<");
        String keyType = tokens.expect(Kind.IDENT).text();
        tokens.expect(",");
        String valueType = typeName();
        tokens.expect(">");
        String name = tokens.expect(Kind.IDENT).text();
        tokens.expect("=");
        int number = fieldNumber();
        String jsonName = fieldOptions();
        tokens.expect(";");
        String entryName = Field.jsonName("_" + name) + "Entry";
        MessageType entry = new MessageType(message.fullName + "." + entryName, false);
        add(entry, new Field("key", null, 1, Label.NONE, keyType, -1, false));
        add(entry, new Field("value", null, 2, Label.NONE, valueType, -1, false));
        register(entry.fullName, entry);
        message.mapEntries.add(entry);
        return new Field(name, jsonName, number, Label.REPEATED, entry.fullName, -1, true);
    }

    private void enumType(String scope) {
        EnumType enumType = new EnumType(qualified(scope, tokens.expect(Kind.IDENT).text()));
        register(enumType.fullName, enumType);
        tokens.expect("{");
        while (!tokens.takeIf("}")) {
            if (tokens.takeIf("option") || tokens.takeIf("reserved")) {
                skipStatement();
            } else if (!tokens.takeIf(";")) {
                String name = tokens.expect(Kind.IDENT).text();
                tokens.expect("=");
                boolean negative = tokens.takeIf("-");
                int number = integer(tokens.expect(Kind.NUMBER)) * (negative ? -1 : 1);
                fieldOptions();
                tokens.expect(";");
                enumType.names.putIfAbsent(number, name);
            }
        }
    }

    private String typeName() {
        return (tokens.takeIf(".") ? "." : "") + tokens.expect(Kind.IDENT).text();
    }

    private int fieldNumber() {
        int number = integer(tokens.expect(Kind.NUMBER));
        if (number < 1 || number > 536_870_911) {
            throw new ProtoSyntaxException("field number " + number + ": expected 1 to 536870911");
        }
        return number;
    }

    /** Reads {@code [name = value, ...]} if there is one; returns the {@code json_name} given, if any. */
    private @Nullable String fieldOptions() {
        String jsonName = null;
        if (!tokens.takeIf("[")) {
            return null;
        }
        do {
            String name;
            if (tokens.takeIf("(")) {
                name = "(" + typeName() + ")";
                tokens.expect(")");
                while (tokens.takeIf(".")) {
                    tokens.expect(Kind.IDENT);
                }
            } else {
                name = tokens.expect(Kind.IDENT).text();
            }
            tokens.expect("=");
            if (tokens.takeIf("{")) {
                tokens.skipBlock();
            } else {
                tokens.takeIf("-");
                String value = tokens.take().text();
                if (name.equals("json_name")) {
                    jsonName = value;
                }
            }
        } while (tokens.takeIf(","));
        tokens.expect("]");
        return jsonName;
    }

    /** Skips to the statement's semicolon, past any aggregate value in braces. */
    private void skipStatement() {
        while (!tokens.takeIf(";")) {
            ProtoTokens.Token token = tokens.take();
            if (token.kind() == Kind.END) {
                throw ProtoTokens.error(token, "expected ';'");
            }
            if (token.is("{")) {
                tokens.skipBlock();
            }
        }
    }

    /** Skips a service or extend: its name, then its block. */
    private void skipToBlock() {
        while (!tokens.takeIf("{")) {
            if (tokens.take().kind() == Kind.END) {
                throw ProtoTokens.error(tokens.peek(), "expected '{'");
            }
        }
        tokens.skipBlock();
    }

    private void add(MessageType message, Field field) {
        if (message.byNumber.putIfAbsent(field.number, field) != null) {
            throw new ProtoSyntaxException(message.fullName + ": field number " + field.number + " used twice");
        }
        message.fields.add(field);
    }

    private void register(String fullName, Object type) {
        if (types.putIfAbsent(fullName, type) != null) {
            throw new ProtoSyntaxException("type " + fullName + " defined twice");
        }
    }

    private static String qualified(String scope, String name) {
        return scope.isEmpty() ? name : scope + "." + name;
    }

    private static int integer(ProtoTokens.Token token) {
        String text = token.text().toLowerCase(java.util.Locale.ROOT);
        try {
            if (text.startsWith("0x")) {
                return Integer.parseInt(text.substring(2), 16);
            }
            return text.length() > 1 && text.startsWith("0") ? Integer.parseInt(text.substring(1), 8)
                    : Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw ProtoTokens.error(token, "expected an integer");
        }
    }
}
