package io.webhookdispatcher.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package DAG of {@code io.webhookdispatcher} (main classes only), as found in December 2026:
 *
 * <pre>
 *   app ──────────────► every other package (the one composition root; app.cli is part of it)
 *   admin ────────────► config, dispatch, metrics, store (the admin API: subscriptions at run time)
 *   attempts ─────────► dispatch, event, metrics
 *   retry ────────────► dispatch, consume, config, event, metrics
 *   config ───────────► dispatch, event
 *   http ─────────────► dispatch
 *   ingest ───────────► config, dispatch, http, metrics
 *   operations ───────► dispatch
 *   store ────────────► config, dispatch, metrics (topics.subscriptions: read, applied, written)
 *   dispatch ─────────► consume, event, metrics
 *   consume, event, metrics: leaves
 * </pre>
 *
 * <p>dispatch owns the domain types and the {@code WebhookSender} interface; http, retry, operations and attempts
 * are adapters around it that never import each other; consume's {@code RecordHandler} is implemented by dispatch,
 * not the other way round. ingest, the door for webhooks coming in, verifies with http's signers and writes to Kafka
 * itself: it never reaches into the delivery path (consume, retry, operations, attempts) or the event model. admin,
 * the door for people and the CRM's settings page, stores subscriptions through store and reads the running lanes. Each rule names its root package, so {@link #shouldFailOnAViolation} can run the same
 * rules against the deliberately bad classes under {@code arch.violations}.
 */
class ArchitectureTest {

    private static final String ROOT = "io.webhookdispatcher";
    private static final List<String> ADAPTERS = List.of("http", "retry", "operations", "attempts", "store");

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages(ROOT);

    @Test
    void shouldImportEveryTopLevelPackage() {
        Set<String> found = MAIN.stream()
                .map(JavaClass::getPackageName)
                .filter(p -> p.startsWith(ROOT + "."))
                .map(p -> p.substring(ROOT.length() + 1).split("\\.")[0])
                .collect(Collectors.toSet());

        assertThat(found)
                .containsAll(List.of(
                        "admin",
                        "app",
                        "attempts",
                        "config",
                        "consume",
                        "dispatch",
                        "event",
                        "http",
                        "ingest",
                        "metrics",
                        "operations",
                        "retry",
                        "store"));
    }

    @Test
    void shouldHaveNoCyclesBetweenTopLevelPackages() {
        noCycles(ROOT).check(MAIN);
    }

    @Test
    void shouldLetNothingDependOnApp() {
        nothingDependsOnApp(ROOT).check(MAIN);
    }

    @Test
    void shouldKeepDispatchFreeOfAdaptersAndConfig() {
        dispatchIsTheCore(ROOT).check(MAIN);
    }

    @Test
    void shouldKeepAdaptersApart() {
        adaptersApart(ROOT).forEach(rule -> rule.check(MAIN));
    }

    @Test
    void shouldKeepConsumeEventAndMetricsLeaves() {
        leaves(ROOT).forEach(rule -> rule.check(MAIN));
    }

    @Test
    void shouldKeepIngestADoorOnly() {
        ingestIsADoor(ROOT).check(MAIN);
    }

    @Test
    void shouldKeepAdminADoorOnly() {
        adminIsADoor(ROOT).check(MAIN);
    }

    /** The rules are not vacuous: each one fails on {@code arch.violations}, a tiny code base that breaks it. */
    @Test
    void shouldFailOnAViolation() {
        String bad = ArchitectureTest.class.getPackageName() + ".violations";
        JavaClasses violations = new ClassFileImporter().importPackages(bad);
        Map<String, ArchRule> rules = Map.of(
                "cycle", noCycles(bad),
                "app", nothingDependsOnApp(bad),
                "dispatch", dispatchIsTheCore(bad),
                "adapters", adaptersApart(bad).get(0), // http -> retry
                "leaves", leaves(bad).get(0), // consume -> dispatch
                "ingest", ingestIsADoor(bad), // ingest -> retry
                "admin", adminIsADoor(bad)); // admin -> retry

        rules.forEach((name, rule) -> assertThatThrownBy(() -> rule.check(violations))
                .as(name)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining(bad));
    }

    private static ArchRule noCycles(String root) {
        return slices().matching(root + ".(*)..").should().beFreeOfCycles();
    }

    private static ArchRule nothingDependsOnApp(String root) {
        return noClasses()
                .that()
                .resideOutsideOfPackage(root + ".app..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage(root + ".app..")
                .because("app is the composition root (with app.cli, the command line): it wires, nothing calls it");
    }

    private static ArchRule dispatchIsTheCore(String root) {
        return noClasses()
                .that()
                .resideInAPackage(root + ".dispatch..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(packages(root, "http", "retry", "operations", "attempts", "store", "app", "config"))
                .because("dispatch owns the domain and the interfaces its adapters implement; settings reach it"
                        + " as its own types");
    }

    /** ingest takes settings, secrets, signers and meters; it writes to Kafka itself and takes nothing of delivery. */
    private static ArchRule ingestIsADoor(String root) {
        return noClasses()
                .that()
                .resideInAPackage(root + ".ingest..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(packages(root, "consume", "event", "retry", "operations", "attempts"))
                .because("ingest only puts webhooks on the events topic: config, dispatch, http and metrics are"
                        + " all it needs");
    }

    /** admin stores subscriptions and reads the running lanes; it never takes part in a delivery. */
    private static ArchRule adminIsADoor(String root) {
        return noClasses()
                .that()
                .resideInAPackage(root + ".admin..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(packages(root, "consume", "retry", "operations", "attempts", "http", "ingest"))
                .because("admin writes topics.subscriptions through store; config, dispatch, metrics and store are"
                        + " all it needs");
    }

    /** One rule per adapter: it depends on no other adapter (nor on app, see {@link #nothingDependsOnApp}). */
    private static List<ArchRule> adaptersApart(String root) {
        return ADAPTERS.stream()
                .map(adapter -> noClasses()
                        .that()
                        .resideInAPackage(root + "." + adapter + "..")
                        .should()
                        .dependOnClassesThat()
                        .resideInAnyPackage(packages(
                                root,
                                ADAPTERS.stream()
                                        .filter(a -> !a.equals(adapter))
                                        .toArray(String[]::new)))
                        .because("http, retry, operations, attempts and store meet only in dispatch and app"))
                .toList();
    }

    /** consume (the poll loop), event (the wire model) and metrics (the meter names) import no other package. */
    private static List<ArchRule> leaves(String root) {
        return Stream.of("consume", "event", "metrics")
                .map(leaf -> noClasses()
                        .that()
                        .resideInAPackage(root + "." + leaf + "..")
                        .should()
                        .dependOnClassesThat(resideInAnotherTopLevelPackage(root, leaf))
                        .because(leaf + " is a leaf of the package DAG"))
                .toList();
    }

    private static DescribedPredicate<JavaClass> resideInAnotherTopLevelPackage(String root, String own) {
        return DescribedPredicate.describe(
                "reside in a package of " + root + " other than " + own,
                c -> c.getPackageName().startsWith(root + ".")
                        && !c.getPackageName().equals(root + "." + own)
                        && !c.getPackageName().startsWith(root + "." + own + "."));
    }

    private static String[] packages(String root, String... names) {
        return Arrays.stream(names).map(n -> root + "." + n + "..").toArray(String[]::new);
    }
}
