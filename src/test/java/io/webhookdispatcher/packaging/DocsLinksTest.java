package io.webhookdispatcher.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README is a front door of at most 15 KiB, and every relative link in it, in {@code docs/} and in the chart's
 * README lands: the file exists and, for {@code path#anchor}, so does the anchor. Anchors are computed from headings
 * the way GitHub does (github-slugger), plus explicit {@code <a id>} / {@code <a name>} anchors.
 *
 * <p>The README keeps the old anchors of the sections that moved to {@code docs/} as explicit anchors, so that links
 * from outside still land (on its table of links). A link in these pages must not use one of them: where an anchor
 * is only an explicit one in its target but a heading in another page, the link is reported as pointing to a section
 * that moved.
 */
class DocsLinksTest {
    private static final Path README = Path.of("README.md");
    private static final Path DOCS = Path.of("docs");
    private static final Path CHART_README = Path.of("helm/webhook-dispatcher/README.md");
    /** Issue "structure": the README is a front door, the reference lives in docs/. */
    private static final long README_MAX_BYTES = 15 * 1024;

    private static final Pattern FENCE = Pattern.compile("^ {0,3}(`{3,}|~{3,})");
    private static final Pattern ATX_HEADING = Pattern.compile("^ {0,3}#{1,6}(?:[ \\t]+(.*?))?(?:[ \\t]+#+)?[ \\t]*$");
    private static final Pattern SETEXT_UNDERLINE = Pattern.compile("^ {0,3}(=+|-+)[ \\t]*$");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(.+?)\\1");
    private static final Pattern HTML_ANCHOR =
            Pattern.compile("<a\\s[^>]*?\\b(?:id|name)\\s*=\\s*[\"']([^\"']+)[\"']", Pattern.CASE_INSENSITIVE);
    /** {@code [text](target)} or {@code [text](target "title")}; the text may hold one level of brackets. */
    private static final Pattern INLINE_LINK =
            Pattern.compile("\\[(?:[^\\[\\]]|\\[[^\\[\\]]*\\])*\\]\\(\\s*<?([^\\s)>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    /** {@code [label]: target} reference definitions. */
    private static final Pattern REFERENCE_DEFINITION = Pattern.compile("^ {0,3}\\[[^\\]]+\\]:\\s*<?([^\\s>]+)>?");

    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");

    @Test
    void shouldKeepTheReadmeAFrontDoorOfAtMost15KiB() throws IOException {
        assertThat(Files.size(README))
                .as("README.md in bytes: the reference belongs in docs/ (issue \"structure\")")
                .isLessThanOrEqualTo(README_MAX_BYTES);
    }

    @Test
    void shouldResolveEveryRelativeLinkAndAnchorInTheDocs() throws IOException {
        // given
        List<Path> pages = new ArrayList<>(List.of(README, CHART_README));
        try (Stream<Path> docs = Files.list(DOCS)) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }

        // when
        Map<String, Path> headings = headingHomes(pages);
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path page : pages) {
            List<Link> links = links(Files.readString(page));
            checked += links.size();
            broken.addAll(brokenLinks(page, links, headings));
        }

        // then
        assertThat(broken).as("links that do not land").isEmpty();
        assertThat(checked).as("relative links checked").isGreaterThan(100);
    }

    @Test
    void shouldComputeHeadingAnchorsTheWayGitHubDoes() {
        // given: headings from this repository, punctuation, code, unicode and repeats
        String page = String.join(
                "\n",
                "# webhook-dispatcher",
                "## Delivery log: did subscription S get event K?",
                "### TLS files (custom CA, client certificates)",
                "## Results (run 2026-11-27 01:59 UTC, 200,000 events, 3 rounds, `-Xmx256m`)",
                "## Kafka ACLs: only the dispatcher writes its retry and dead-letter topics",
                "## Café à la *carte* & [links](https://example.com) with snake_case",
                "## Setup",
                "## Setup",
                "## Setup ##",
                "Setext heading",
                "--------------",
                "```",
                "## not a heading inside a fence",
                "```",
                "Text with <a id=\"delivery-ids\"></a>an explicit anchor and <a name='legacy'></a>another.");

        // when
        Set<String> anchors = anchors(page, true);

        // then
        assertThat(anchors)
                .containsExactlyInAnyOrder(
                        "webhook-dispatcher",
                        "delivery-log-did-subscription-s-get-event-k",
                        "tls-files-custom-ca-client-certificates",
                        "results-run-2026-11-27-0159-utc-200000-events-3-rounds--xmx256m",
                        "kafka-acls-only-the-dispatcher-writes-its-retry-and-dead-letter-topics",
                        "café-à-la-carte--links-with-snake_case",
                        "setup",
                        "setup-1",
                        "setup-2",
                        "setext-heading",
                        "delivery-ids",
                        "legacy");
    }

    @Test
    void shouldReportAMissingFileAMissingAnchorAndAnAnchorThatMoved(@TempDir Path dir) throws IOException {
        // given: a page that kept the old anchor of a section that moved to other.md
        Path other = dir.resolve("other.md");
        Files.writeString(other, "# Other\n\n## Runbook\n");
        Path page = dir.resolve("page.md");
        Files.writeString(
                page,
                String.join(
                        "\n",
                        "# Page",
                        "[fine](other.md#runbook), [fine too](#page), [external](https://example.com/#x),",
                        "[no file](missing.md), [no anchor](other.md#run-book), [no local anchor](#nowhere),",
                        "`[in code](ignored.md)`",
                        "<a id=\"runbook\"></a>[moved](#runbook)",
                        "```",
                        "[in a fence](ignored.md)",
                        "```"));

        // when
        List<String> broken = brokenLinks(page, links(Files.readString(page)), headingHomes(List.of(page, other)));

        // then
        assertThat(broken)
                .containsExactly(
                        page + ":3: missing.md: no such file",
                        page + ":3: other.md#run-book: no such anchor",
                        page + ":3: #nowhere: no such anchor",
                        page + ":5: #runbook: the section moved to " + other + "#runbook");
    }

    private record Link(int line, String target) {}

    /** The relative links of a page, outside code; absolute URLs ({@code https:}, {@code mailto:}) are skipped. */
    private static List<Link> links(String markdown) {
        List<Link> links = new ArrayList<>();
        String[] lines = markdown.split("\n", -1);
        boolean fenced = false;
        for (int i = 0; i < lines.length; i++) {
            if (FENCE.matcher(lines[i]).find()) {
                fenced = !fenced;
                continue;
            }
            if (fenced) {
                continue;
            }
            String text = CODE_SPAN.matcher(lines[i]).replaceAll("code");
            for (Pattern pattern : List.of(INLINE_LINK, REFERENCE_DEFINITION)) {
                Matcher m = pattern.matcher(text);
                while (m.find()) {
                    if (!SCHEME.matcher(m.group(1)).find()) {
                        links.add(new Link(i + 1, m.group(1)));
                    }
                }
            }
        }
        return links;
    }

    /** Each heading anchor of the pages, and the page it is a heading of. */
    private static Map<String, Path> headingHomes(List<Path> pages) throws IOException {
        Map<String, Path> homes = new HashMap<>();
        for (Path page : pages) {
            for (String anchor : anchors(Files.readString(page), false)) {
                homes.putIfAbsent(anchor, page);
            }
        }
        return homes;
    }

    private static List<String> brokenLinks(Path page, List<Link> links, Map<String, Path> headingHomes)
            throws IOException {
        List<String> broken = new ArrayList<>();
        Map<Path, Set<String>> anchorsByFile = new HashMap<>();
        for (Link link : links) {
            int hash = link.target().indexOf('#');
            String path = hash < 0 ? link.target() : link.target().substring(0, hash);
            Path target = path.isEmpty()
                    ? page
                    : page.toAbsolutePath()
                            .getParent()
                            .resolve(URLDecoder.decode(path, StandardCharsets.UTF_8))
                            .normalize();
            String where = page + ":" + link.line() + ": " + link.target();
            if (!Files.exists(target)) {
                broken.add(where + ": no such file");
            } else if (hash >= 0) {
                String anchor = URLDecoder.decode(link.target().substring(hash + 1), StandardCharsets.UTF_8);
                Set<String> anchors = Files.isRegularFile(target)
                        ? anchorsByFile.computeIfAbsent(target, f -> anchorsOf(f, true))
                        : Set.of();
                Path home = headingHomes.get(anchor);
                if (!anchors.contains(anchor)) {
                    broken.add(where + ": no such anchor");
                } else if (home != null && !anchorsOf(target, false).contains(anchor)) {
                    broken.add(where + ": the section moved to " + home + "#" + anchor);
                }
            }
        }
        return broken;
    }

    private static Set<String> anchorsOf(Path file, boolean withHtml) {
        try {
            return anchors(Files.readString(file), withHtml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The anchors GitHub gives a page: one per heading (repeats get -1, -2, …), and explicit HTML anchors. */
    static Set<String> anchors(String markdown, boolean withHtml) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> occurrences = new HashMap<>();
        String[] lines = markdown.split("\n", -1);
        boolean fenced = false;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (FENCE.matcher(line).find()) {
                fenced = !fenced;
                continue;
            }
            if (fenced) {
                continue;
            }
            Matcher atx = ATX_HEADING.matcher(line);
            boolean setext = i + 1 < lines.length
                    && SETEXT_UNDERLINE.matcher(lines[i + 1]).matches()
                    && !line.isBlank()
                    && !line.startsWith("    ")
                    && !line.startsWith("|")
                    && !line.stripLeading().startsWith("- ");
            if (atx.matches()) {
                anchors.add(unique(slug(atx.group(1) == null ? "" : atx.group(1)), occurrences));
            } else if (setext) {
                anchors.add(unique(slug(line), occurrences));
            }
            Matcher html = HTML_ANCHOR.matcher(line);
            while (withHtml && html.find()) {
                anchors.add(html.group(1));
            }
        }
        return anchors;
    }

    /** github-slugger: a repeated slug gets the next free {@code -n}. */
    private static String unique(String slug, Map<String, Integer> occurrences) {
        String result = slug;
        while (occurrences.containsKey(result)) {
            int n = occurrences.merge(slug, 1, Integer::sum);
            result = slug + "-" + n;
        }
        occurrences.put(result, 0);
        return result;
    }

    /**
     * A heading's anchor as GitHub computes it from the rendered text: markup removed (code spans keep their
     * text, links their label, HTML tags go), lower case, punctuation and symbols removed except {@code -} and
     * {@code _}, each space a {@code -}; letters and digits of every script stay.
     */
    static String slug(String heading) {
        String text = heading.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1")
                .replaceAll("`+", "")
                .replaceAll("<[^>]+>", "")
                .strip();
        return text.toLowerCase(Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{M}\\p{N}\\p{Pc} -]", "")
                .replace(' ', '-');
    }
}
