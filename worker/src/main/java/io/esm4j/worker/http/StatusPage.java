package io.esm4j.worker.http;

import io.esm4j.ShardStatus;
import io.esm4j.worker.mappings.ManagedMapping;
import io.esm4j.worker.mappings.MappingRegistry;
import java.time.Instant;

/** A plain HTML page of the worker's mappings, their shards, owners, iterator age and last results. */
final class StatusPage {

    private final MappingRegistry registry;
    private final String workerId;

    StatusPage(MappingRegistry registry, String workerId) {
        this.registry = registry;
        this.workerId = workerId;
    }

    String render() {
        StringBuilder html = new StringBuilder(4096);
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta http-equiv=\"refresh\" content=\"5\"><title>esm4j worker</title>")
                .append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}")
                .append("td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}th{background:#eee}")
                .append(".PROBLEM{color:#b00}</style></head><body>\n")
                .append("<h1>esm4j worker</h1>\n<p>Worker <code>").append(escape(workerId)).append("</code>, ")
                .append(escape(Instant.now().toString())).append(". <a href=\"/metrics\">metrics</a> · ")
                .append("<a href=\"/health\">health</a></p>\n");
        String storeProblem = registry.refreshProblem();
        if (storeProblem != null) {
            html.append("<p id=\"mapping-store\" class=\"PROBLEM\">PROBLEM: ").append(escape(storeProblem))
                    .append(" (the mappings below run on; API writes fail, and changes made through other workers ")
                    .append("wait, until it is read again)</p>\n");
        }
        html.append("<h2>Event source mappings</h2>\n");
        html.append("<table id=\"mappings\"><tr><th>UUID</th><th>source</th><th>event source</th><th>function</th>")
                .append("<th>State</th><th>StateTransitionReason</th><th>LastProcessingResult</th></tr>\n");
        for (ManagedMapping mapping : registry.list()) {
            String reason = mapping.stateTransitionReason();
            html.append("<tr><td>").append(escape(mapping.uuid())).append("</td><td>")
                    .append(escape(mapping.sourceKind())).append("</td><td>")
                    .append(escape(mapping.spec().source())).append("</td><td>")
                    .append(escape(mapping.function().displayName())).append(" (").append(mapping.function().kind())
                    .append(")</td><td>").append(escape(mapping.state())).append("</td><td")
                    .append(reason.startsWith("PROBLEM") ? " class=\"PROBLEM\">" : ">").append(escape(reason))
                    .append("</td><td>").append(escape(mapping.lastProcessingResult())).append("</td></tr>\n");
        }
        html.append("</table>\n");
        for (ManagedMapping mapping : registry.list()) {
            if (mapping.shards().isEmpty()) {
                continue;
            }
            html.append("<h3>Shards of ").append(escape(mapping.uuid())).append("</h3>\n<table class=\"shards\">")
                    .append("<tr><th>shard</th><th>owner</th><th>position</th><th>iterator age (ms)</th>")
                    .append("<th>in flight</th><th>restarts</th><th>last error</th><th>handing over to</th></tr>\n");
            for (ShardStatus shard : mapping.shards()) {
                html.append("<tr><td>").append(escape(shard.shardId())).append("</td><td>")
                        .append(escape(String.valueOf(shard.owner()))).append("</td><td>")
                        .append(escape(shard.position())).append("</td><td>").append(shard.iteratorAgeMillis())
                        .append("</td><td>").append(shard.recordsInFlight()).append("</td><td>")
                        .append(shard.restarts()).append("</td><td>")
                        .append(escape(String.valueOf(shard.lastError()))).append("</td><td>")
                        .append(escape(shard.handoffTo() == null ? "" : shard.handoffTo())).append("</td></tr>\n");
            }
            html.append("</table>\n");
        }
        return html.append("</body></html>\n").toString();
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
