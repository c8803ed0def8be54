package io.webhookdispatcher.event;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.Map;
import java.util.Objects;

/**
 * A subscription's {@code filter}: a <a href="https://github.com/google/cel-spec">CEL</a> expression over one event,
 * compiled and type-checked once (at load and on every reload), evaluated per event. CEL has no side effects and
 * always terminates (no loops; macros iterate over the event's own lists, bounded below).
 *
 * <p>Variables: {@code event} (string, the type), {@code data} (map, the record the event is about: the CRM's
 * {@code record}, a metadata event's {@code event.properties.after} or else {@code before}, or the docs shape's
 * {@code data}), {@code timestamp} (timestamp, when the event carries a parseable one) and {@code payload} (map, the
 * whole JSON object). A variable the event lacks is unbound: an expression that reads it fails.
 */
public final class PayloadFilter {
    /** Longest expression accepted, in code points: a filter is a line in a config file, not a program. */
    public static final int MAX_LENGTH = 4096;

    private static final CelOptions OPTIONS = CelOptions.current()
            // JSON has one number type: 1.5e9 > 1000000000 must compare, whatever the parser made of each side
            .enableHeterogeneousNumericComparisons(true)
            .evaluateCanonicalTypesToNativeValues(true)
            .comprehensionMaxIterations(10_000)
            .maxExpressionCodePointSize(MAX_LENGTH)
            .build();
    private static final MapType OBJECT = MapType.create(SimpleType.STRING, SimpleType.DYN);
    private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
            .setOptions(OPTIONS)
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar(EventVariables.EVENT, SimpleType.STRING)
            .addVar(EventVariables.DATA, OBJECT)
            .addVar(EventVariables.TIMESTAMP, SimpleType.TIMESTAMP)
            .addVar(EventVariables.PAYLOAD, OBJECT)
            .setResultType(SimpleType.BOOL)
            .build();
    private static final CelRuntime RUNTIME =
            CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(OPTIONS).build();

    /** What one evaluation found. */
    public enum Verdict {
        MATCH,
        NO_MATCH,
        /** The expression failed on this event (a missing field, a wrong type): it does not match. */
        ERROR
    }

    /** A syntax or type error, with CEL's message (position and caret included). */
    public static final class InvalidFilterException extends Exception {
        InvalidFilterException(String message) {
            super(message, null, false, false);
        }
    }

    private final String source;
    private final CelRuntime.Program program;

    private PayloadFilter(String source, CelRuntime.Program program) {
        this.source = source;
        this.program = program;
    }

    public static PayloadFilter compile(String source) throws InvalidFilterException {
        Objects.requireNonNull(source, "source");
        if (source.isBlank()) {
            throw new InvalidFilterException("is empty");
        }
        try {
            CelAbstractSyntaxTree ast = COMPILER.compile(source).getAst();
            return new PayloadFilter(source, RUNTIME.createProgram(ast));
        } catch (CelValidationException e) {
            throw new InvalidFilterException(e.getMessage());
        } catch (CelEvaluationException | RuntimeException e) {
            throw new InvalidFilterException("cannot be planned: " + e.getMessage());
        }
    }

    /** Never throws: whatever goes wrong on this event is an {@link Verdict#ERROR}. */
    public Verdict test(Map<String, Object> variables) {
        try {
            Object result = program.eval(variables);
            if (result instanceof Boolean b) {
                return b ? Verdict.MATCH : Verdict.NO_MATCH;
            }
            return Verdict.ERROR; // a dyn expression that evaluated to something else than a bool
        } catch (CelEvaluationException | RuntimeException e) {
            return Verdict.ERROR;
        }
    }

    public String source() {
        return source;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PayloadFilter f && f.source.equals(source);
    }

    @Override
    public int hashCode() {
        return source.hashCode();
    }

    @Override
    public String toString() {
        return source;
    }
}
