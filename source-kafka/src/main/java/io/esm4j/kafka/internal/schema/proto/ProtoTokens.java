package io.esm4j.kafka.internal.schema.proto;

import java.util.ArrayList;
import java.util.List;

/** The tokens of a {@code .proto} file: identifiers, numbers, strings (adjacent ones joined) and symbols. */
final class ProtoTokens {

    enum Kind { IDENT, NUMBER, STRING, SYMBOL, END }

    record Token(Kind kind, String text, int line) {
        boolean is(String symbolOrWord) {
            return (kind == Kind.SYMBOL || kind == Kind.IDENT) && text.equals(symbolOrWord);
        }
    }

    private final List<Token> tokens;
    private int next;

    ProtoTokens(String source) {
        this.tokens = tokenize(source);
    }

    Token peek() {
        return tokens.get(next);
    }

    Token peek(int ahead) {
        return tokens.get(Math.min(next + ahead, tokens.size() - 1));
    }

    Token take() {
        Token token = tokens.get(next);
        if (token.kind() != Kind.END) {
            next++;
        }
        return token;
    }

    boolean takeIf(String symbolOrWord) {
        if (peek().is(symbolOrWord)) {
            next++;
            return true;
        }
        return false;
    }

    Token expect(String symbolOrWord) {
        Token token = take();
        if (!token.is(symbolOrWord)) {
            throw error(token, "expected '" + symbolOrWord + "'");
        }
        return token;
    }

    Token expect(Kind kind) {
        Token token = take();
        if (token.kind() != kind) {
            throw error(token, "expected " + kind.name().toLowerCase(java.util.Locale.ROOT));
        }
        return token;
    }

    /** Skips tokens up to and including the brace that closes the one just taken. */
    void skipBlock() {
        int depth = 1;
        while (depth > 0) {
            Token token = take();
            if (token.kind() == Kind.END) {
                throw error(token, "expected '}'");
            }
            depth += token.is("{") ? 1 : token.is("}") ? -1 : 0;
        }
    }

    static ProtoSyntaxException error(Token token, String expected) {
        String found = token.kind() == Kind.END ? "the end" : "'" + token.text() + "'";
        return new ProtoSyntaxException("line " + token.line() + ": " + expected + ", found " + found);
    }

    private static List<Token> tokenize(String source) {
        List<Token> tokens = new ArrayList<>();
        int line = 1;
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (c == '\n') {
                line++;
                i++;
            } else if (Character.isWhitespace(c)) {
                i++;
            } else if (source.startsWith("//", i)) {
                while (i < source.length() && source.charAt(i) != '\n') {
                    i++;
                }
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                end = end < 0 ? source.length() : end + 2;
                line += (int) source.substring(i, end).chars().filter(ch -> ch == '\n').count();
                i = end;
            } else if (Character.isLetter(c) || c == '_') {
                int start = i;
                while (i < source.length() && (Character.isLetterOrDigit(source.charAt(i))
                        || source.charAt(i) == '_' || source.charAt(i) == '.')) {
                    i++;
                }
                tokens.add(new Token(Kind.IDENT, source.substring(start, i), line));
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < source.length()
                    && Character.isDigit(source.charAt(i + 1)))) {
                int start = i;
                while (i < source.length() && (Character.isLetterOrDigit(source.charAt(i))
                        || source.charAt(i) == '.' || ((source.charAt(i) == '-' || source.charAt(i) == '+')
                        && (source.charAt(i - 1) == 'e' || source.charAt(i - 1) == 'E')))) {
                    i++;
                }
                tokens.add(new Token(Kind.NUMBER, source.substring(start, i), line));
            } else if (c == '"' || c == '\'') {
                StringBuilder text = new StringBuilder();
                i = string(source, i, text, line);
                Token last = tokens.isEmpty() ? null : tokens.getLast();
                if (last != null && last.kind() == Kind.STRING) {
                    tokens.set(tokens.size() - 1, new Token(Kind.STRING, last.text() + text, last.line()));
                } else {
                    tokens.add(new Token(Kind.STRING, text.toString(), line));
                }
            } else {
                tokens.add(new Token(Kind.SYMBOL, String.valueOf(c), line));
                i++;
            }
        }
        tokens.add(new Token(Kind.END, "", line));
        return tokens;
    }

    /** Reads the string literal that starts at {@code start} into {@code text}; returns the index after it. */
    private static int string(String source, int start, StringBuilder text, int line) {
        char quote = source.charAt(start);
        int i = start + 1;
        while (i < source.length() && source.charAt(i) != quote) {
            char c = source.charAt(i);
            if (c == '\n') {
                break;
            }
            if (c == '\\' && i + 1 < source.length()) {
                i++;
                char escaped = source.charAt(i);
                text.append(switch (escaped) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    case '0' -> '\0';
                    default -> escaped;
                });
            } else {
                text.append(c);
            }
            i++;
        }
        if (i >= source.length() || source.charAt(i) != quote) {
            throw new ProtoSyntaxException("line " + line + ": a string that does not end on its line");
        }
        return i + 1;
    }
}
