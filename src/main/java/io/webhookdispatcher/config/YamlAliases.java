package io.webhookdispatcher.config;

import java.io.StringReader;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionEndEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.MappingStartEvent;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;

/**
 * Refuses YAML anchors ({@code &name}) and aliases ({@code *name}, and so merge keys {@code <<: *name}): Jackson's
 * tree reads an alias as its anchor's name, so {@code topics.events: *g} read a topic called {@code g} (issue 20),
 * and its parser does not expose a scalar's anchor. So this walks the YAML's events (SnakeYAML's, under Jackson's
 * parser) once, keeping the key path, and reports each at it; the loader then reads the YAML as it is.
 */
final class YamlAliases {
    private YamlAliases() {}

    /** Where the walk is in one mapping or sequence. */
    private static final class Frame {
        final boolean mapping;
        final boolean isKey; // a mapping or sequence used as a key: {[a]: b}
        String key; // in a mapping: the key whose value comes next; null while a key is expected
        int index; // in a sequence: the next item's

        Frame(boolean mapping, boolean isKey) {
            this.mapping = mapping;
            this.isKey = isKey;
        }
    }

    /** Reports each anchor and alias in {@code yaml}; stops quietly at a syntax error, which the loader reports. */
    static void check(String yaml, ConfigErrors errors) {
        Deque<Frame> frames = new ArrayDeque<>();
        try {
            Iterator<Event> events =
                    new Yaml(new LoaderOptions()).parse(new StringReader(yaml)).iterator();
            while (events.hasNext()) {
                Event event = events.next();
                if (event instanceof CollectionEndEvent) {
                    if (!frames.pop().isKey) {
                        advance(frames);
                    }
                } else if (event instanceof NodeEvent node) {
                    node(node, frames, errors);
                }
            }
        } catch (YAMLException syntax) {
            // reported by the loader's own read, with its line
        }
    }

    private static void node(NodeEvent node, Deque<Frame> frames, ConfigErrors errors) {
        Frame top = frames.peek();
        boolean isKey = top != null && top.mapping && top.key == null;
        if (node instanceof AliasEvent) {
            errors.add(
                    path(frames),
                    "YAML aliases (*" + node.getAnchor() + ") are not supported: write the value out (an alias was"
                            + " read as its anchor's name)");
        } else if (node.getAnchor() != null) {
            errors.add(
                    path(frames),
                    "YAML anchors (&" + node.getAnchor() + ") are not supported: write the value out where it is used");
        }
        if (node instanceof ScalarEvent || node instanceof AliasEvent) {
            if (isKey) {
                top.key = node instanceof ScalarEvent scalar ? scalar.getValue() : "*" + node.getAnchor();
            } else {
                advance(frames);
            }
            return;
        }
        if (isKey) {
            top.key = "?";
        }
        frames.push(new Frame(node instanceof MappingStartEvent, isKey));
    }

    /** Past one value: a mapping expects its next key, a sequence its next item. */
    private static void advance(Deque<Frame> frames) {
        Frame top = frames.peek();
        if (top == null) {
            return;
        }
        if (top.mapping) {
            top.key = null;
        } else {
            top.index++;
        }
    }

    /** The key path of the node at hand as errors name it, {@code subscriptions[0].url}; the document is {@code (top)}. */
    private static String path(Deque<Frame> frames) {
        var path = new StringBuilder();
        for (Iterator<Frame> outermostFirst = frames.descendingIterator(); outermostFirst.hasNext(); ) {
            Frame frame = outermostFirst.next();
            if (!frame.mapping) {
                path.append('[').append(frame.index).append(']');
            } else if (frame.key != null) {
                path.append(path.length() == 0 ? "" : ".").append(frame.key);
            }
        }
        return path.length() == 0 ? "(top)" : path.toString();
    }
}
