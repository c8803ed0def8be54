package io.webhookdispatcher.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.webhookdispatcher.dispatch.DestinationGuard;
import java.net.URI;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Address literals and {@code localhost} only: no test here needs a DNS server. */
class ResolutionTest {
    private static final DestinationGuard LOOPBACK_ALLOWED = JdkWebhookSenderTest.LOOPBACK_ALLOWED;

    @Test
    void shouldRefuseABlockedAddressWithoutATarget() {
        // when
        Resolution resolution = Resolution.of(URI.create("http://10.0.0.1/hook"), DestinationGuard.DEFAULTS);

        // then
        assertThat(resolution.isRefused()).isTrue();
        assertThat(resolution.target()).isNull();
        assertThat(resolution.refusal()).startsWith("10.0.0.1 resolves to 10.0.0.1, ");
    }

    @Test
    void shouldSendAnAddressLiteralAsItIs() {
        // given
        URI url = URI.create("http://127.0.0.1:8080/hook?a=1");

        // when
        Resolution resolution = Resolution.of(url, LOOPBACK_ALLOWED);

        // then: the client's own Host header is already the checked address
        assertThat(resolution.isRefused()).isFalse();
        assertThat(resolution.target()).isEqualTo(new Resolution.Target(url, Optional.empty()));
    }

    @Test
    void shouldPinPlainHttpToTheCheckedAddressWithTheUrlsHostHeader() {
        // when
        Resolution resolution = Resolution.of(URI.create("http://localhost:8080/hook?a=1"), LOOPBACK_ALLOWED);
        Resolution defaultPort = Resolution.of(URI.create("http://localhost"), LOOPBACK_ALLOWED);

        // then: a later DNS answer cannot move the connection; the receiver still sees its own name
        URI pinned = resolution.target().uri();
        assertThat(pinned.getHost()).isIn("127.0.0.1", "[::1]");
        assertThat(pinned.getPort()).isEqualTo(8080);
        assertThat(pinned.getRawPath() + "?" + pinned.getRawQuery()).isEqualTo("/hook?a=1");
        assertThat(resolution.target().hostHeader()).contains("localhost:8080");
        assertThat(defaultPort.target().uri().getRawPath()).isEqualTo("/");
        assertThat(defaultPort.target().hostHeader()).contains("localhost");
    }

    @Test
    void shouldKeepHttpsOnTheNameForTls() {
        // given: https needs the name for SNI and hostname verification
        URI url = URI.create("https://[::1]:8443/hook");

        // when
        Resolution resolution = Resolution.of(url, LOOPBACK_ALLOWED);

        // then
        assertThat(resolution.target()).isEqualTo(new Resolution.Target(url, Optional.empty()));
    }

    @Test
    void shouldTellALiteralFromAName() {
        assertThat(Resolution.isAddressLiteral("192.0.2.1")).isTrue();
        assertThat(Resolution.isAddressLiteral("[2001:db8::1]")).isTrue();
        assertThat(Resolution.isAddressLiteral("256.0.2.1")).isFalse();
        assertThat(Resolution.isAddressLiteral("example.com")).isFalse();
        assertThat(Resolution.isAddressLiteral(null)).isFalse();
    }

    @Test
    void shouldFailAUrlWithoutAHostRatherThanAskForLoopback() {
        assertThatThrownBy(() -> Resolution.of(URI.create("http:///hook"), LOOPBACK_ALLOWED))
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(IllegalArgumentException.class);
    }
}
