package io.webhookdispatcher.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DestinationGuardTest {
    private static final DestinationGuard DEFAULTS = DestinationGuard.DEFAULTS;

    /** A literal, parsed by the JDK (no DNS for these forms). */
    private static InetAddress ip(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal.contains(":") ? "[" + literal + "]" : literal);
    }

    private static DestinationGuard allowing(String... cidrs) {
        return new DestinationGuard(List.of(cidrs).stream().map(Network::parse).toList(), false);
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "127.0.0.1        | loopback (127.0.0.0/8)",
                "127.255.0.9      | loopback",
                "10.0.0.1         | private (RFC 1918) (10.0.0.0/8)",
                "172.16.0.1       | private (RFC 1918) (172.16.0.0/12)",
                "172.31.255.255   | private",
                "192.168.1.1      | private (RFC 1918) (192.168.0.0/16)",
                "169.254.169.254  | link-local (cloud metadata)",
                "100.64.0.1       | carrier-grade NAT",
                "100.127.255.255  | carrier-grade NAT",
                "198.18.0.1       | benchmarking",
                "198.19.255.1     | benchmarking",
                "192.0.2.10       | documentation",
                "198.51.100.7     | documentation",
                "203.0.113.9      | documentation",
                "192.0.0.8        | IETF protocol assignments",
                "192.88.99.1      | 6to4 relay anycast",
                "224.0.0.251      | multicast",
                "239.255.255.250  | multicast",
                "240.0.0.1        | reserved",
                "255.255.255.255  | broadcast",
                "0.0.0.0          | unspecified",
                "0.1.2.3          | unspecified",
                "::               | unspecified (0:0:0:0:0:0:0:0/128)",
                "::1              | loopback (0:0:0:0:0:0:0:1/128)",
                "fe80::1          | link-local",
                "febf::1          | link-local",
                "fc00::1          | unique local (ULA)",
                "fd12:3456::1     | unique local (ULA)",
                "ff02::1          | multicast",
                "fec0::1          | site-local",
                "::ffff:169.254.169.254 | link-local (cloud metadata)",
                "::ffff:7f00:1    | loopback",
                "64:ff9b::a9fe:a9fe | an IPv6 form of 169.254.169.254, link-local (cloud metadata)",
                "64:ff9b::10.0.0.1 | an IPv6 form of 10.0.0.1, private",
                "64:ff9b:1::8.8.8.8 | local-use NAT64",
                "::127.0.0.1      | IPv4-compatible (deprecated)",
                "2001:db8::1      | documentation",
                "3fff::1          | documentation",
                "2001::1          | Teredo",
                "2001:10::1       | IETF protocol assignments",
                "2002:7f00:1::1   | 6to4 (deprecated)",
                "100::1           | discard-only",
                "5f00::1          | SRv6",
                "4000::1          | reserved (outside 2000:0:0:0:0:0:0:0/3)",
            })
    void shouldBlockEverySpecialPurposeRangeByDefault(String address, String why) throws Exception {
        assertThat(DEFAULTS.refusal(ip(address.trim())))
                .hasValueSatisfying(r -> assertThat(r).contains(why.trim()));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "8.8.8.8",
                "1.1.1.1",
                "93.184.215.14",
                "100.63.255.255", // just below CGNAT
                "100.128.0.0", // just above
                "172.15.255.255",
                "172.32.0.0",
                "198.17.255.255",
                "198.20.0.0",
                "223.255.255.255",
                "2606:4700:4700::1111",
                "2a00:1450:4001:80b::200e",
                "2001:200::1", // APNIC, just past the IETF block
                "::ffff:8.8.8.8", // IPv4-mapped public: judged as 8.8.8.8
                "64:ff9b::808:808" // DNS64 in an IPv6-only cluster: 8.8.8.8 through NAT64
            })
    void shouldAllowPublicAddresses(String address) throws Exception {
        assertThat(DEFAULTS.refusal(ip(address))).isEmpty();
    }

    @Test
    void shouldOpenOnlyTheAllowedNetworks() throws Exception {
        var guard = allowing("127.0.0.0/8", "10.1.0.0/16", "fd00::/8");

        assertThat(guard.refusal(ip("127.0.0.1"))).isEmpty();
        assertThat(guard.refusal(ip("::ffff:127.0.0.1"))).isEmpty(); // the same address, mapped
        assertThat(guard.refusal(ip("10.1.2.3"))).isEmpty();
        assertThat(guard.refusal(ip("fd12::1"))).isEmpty();
        assertThat(guard.refusal(ip("10.2.0.1"))).isPresent();
        assertThat(guard.refusal(ip("fc00::1"))).isPresent();
        assertThat(guard.refusal(ip("::1"))).isPresent(); // IPv4 loopback allowed is not IPv6 loopback
        assertThat(guard.refusal(ip("169.254.169.254"))).isPresent();
    }

    @Test
    void shouldOpenAnEmbeddedIpv4AddressThroughItsIpv4Network() throws Exception {
        var guard = allowing("10.0.0.0/8");

        assertThat(guard.refusal(ip("64:ff9b::10.0.0.1"))).isEmpty();
        assertThat(guard.refusal(ip("64:ff9b::192.168.0.1"))).isPresent();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "http://127.0.0.1:15000/quitquitquit | 127.0.0.1 is a blocked destination: loopback (127.0.0.0/8)",
                "http://169.254.169.254/latest/meta-data | 169.254.169.254 is a blocked destination: link-local",
                "https://10.0.0.1/hook | 10.0.0.1 is a blocked destination: private",
                "http://[::1]:8080/ | [::1] is a blocked destination: loopback",
                "http://0.0.0.0:8080/ | 0.0.0.0 is a blocked destination: unspecified",
                "http://0:8080/ | 0 (read as 0.0.0.0) is a blocked destination",
                "http://2130706433/ | 2130706433 (read as 127.0.0.1) is a blocked destination: loopback",
                "http://0x7f000001/ | 0x7f000001 (read as 127.0.0.1) is a blocked destination",
                "http://017700000001/ | 017700000001 (read as 127.0.0.1) is a blocked destination",
                "http://0177.0.0.1/ | 0177.0.0.1 (read as 127.0.0.1) is a blocked destination",
                "http://127.000.000.001/ | 127.000.000.001 (read as 127.0.0.1) is a blocked destination",
                "http://4294967295/ | 4294967295 (read as 255.255.255.255) is a blocked destination: broadcast",
                "http://[::ffff:169.254.169.254]/ | [::ffff:169.254.169.254] is a blocked destination: link-local",
                "http://[::ffff:a9fe:a9fe]/ | [::ffff:a9fe:a9fe] is a blocked destination: link-local",
                "http://[64:ff9b::a9fe:a9fe]/ | [64:ff9b::a9fe:a9fe] is a blocked destination: an IPv6 form of 169.254",
                "http://[::127.0.0.1]/ | [::127.0.0.1] is a blocked destination: IPv4-compatible",
                "http://[fd00::1]/ | [fd00::1] is a blocked destination: unique local",
            })
    void shouldRefuseABlockedLiteralInAUrlInAnyForm(String url, String message) {
        assertThat(DEFAULTS.refusal(URI.create(url.trim())))
                .hasValueSatisfying(r -> assertThat(r)
                        .startsWith(message.trim())
                        .endsWith("; add its network to delivery.allowedNetworks to allow it")
                        .doesNotContain("quitquitquit", "meta-data"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://example.com/hook",
                "http://localhost:8080/hook", // a name: judged after DNS, at delivery
                "https://8.8.8.8/",
                "https://[2606:4700:4700::1111]/",
                "https://cafe.be/", // hex letters, but a name
                "https://1e100.net/",
                "https://08.1.1.1/" // not octal (8): only the decimal reading, 8.1.1.1, which is public
            })
    void shouldLeaveNamesAndPublicLiteralsToDelivery(String url) {
        assertThat(DEFAULTS.refusal(URI.create(url))).isEmpty();
    }

    @Test
    void shouldAllowALiteralInsideAllowedNetworks() {
        var guard = allowing("127.0.0.0/8");

        assertThat(guard.refusal(URI.create("http://127.0.0.1:15000/x"))).isEmpty();
        assertThat(guard.refusal(URI.create("http://2130706433/x"))).isEmpty();
        assertThat(guard.refusal(URI.create("http://[::1]/x"))).isPresent();
    }

    @Test
    void shouldRefusePlainHttpWhenHttpsIsRequired() {
        var guard = new DestinationGuard(List.of(Network.parse("127.0.0.0/8")), true);

        assertThat(guard.refusal(URI.create("http://example.com/hook")))
                .hasValue("plain http is refused (delivery.requireHttps is true): use https");
        assertThat(guard.refusal(URI.create("HTTP://127.0.0.1/hook"))).isPresent(); // allowed networks too
        assertThat(guard.refusal(URI.create("https://example.com/hook"))).isEmpty();
    }

    @Test
    void shouldParseNetworksStrictly() {
        assertThat(Network.parse("10.0.0.0/8")).hasToString("10.0.0.0/8");
        assertThat(Network.parse(" fd00::/8 ").isIpv6()).isTrue();
        assertThat(Network.parse("0.0.0.0/0").contains(InetAddress.getLoopbackAddress()))
                .isTrue();
        assertThat(Network.parse("::1/128")).isEqualTo(Network.parse("0:0:0:0:0:0:0:1/128"));

        assertThatThrownBy(() -> Network.parse("10.0.0.1/8"))
                .hasMessage("10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?");
        assertThatThrownBy(() -> Network.parse("10.0.0.0/33")).hasMessage("prefix length must be 0 to 32 (got 33)");
        assertThatThrownBy(() -> Network.parse("10.0.0.0"))
                .hasMessage("'10.0.0.0' must be a CIDR such as 10.0.0.0/8 or fd00::/8");
        assertThatThrownBy(() -> Network.parse("010.0.0.0/8"))
                .hasMessageContaining("is not a dotted-quad IPv4 address (a.b.c.d, no leading zeros)");
        assertThatThrownBy(() -> Network.parse("256.0.0.0/8")).hasMessageContaining("is not an IPv4 address");
        assertThatThrownBy(() -> Network.parse("example.com/8")).hasMessageContaining("not a dotted-quad");
        assertThatThrownBy(() -> Network.parse("10.0.0.0/x")).hasMessageContaining("prefix length must be a number");
        assertThatThrownBy(() -> Network.parse("::ffff:10.0.0.0/104"))
                .hasMessageContaining("write an IPv4-mapped network as IPv4");
        assertThatThrownBy(() -> Network.parse("fe80::%eth0/64")).hasMessageContaining("without brackets or zone");
        assertThatThrownBy(() -> Network.parse("fe80::zz/64")).hasMessageContaining("is not an IPv6 address");
        assertThatThrownBy(() -> Network.parse("fd00::1/8")).hasMessageContaining("has host bits set");
    }
}
