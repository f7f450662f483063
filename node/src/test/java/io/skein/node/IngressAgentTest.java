package io.skein.node;

import java.io.File;
import java.util.Properties;

import io.skein.protocol.SkeinException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IngressAgentTest
{
    @Test
    void shouldAcceptLiteralUdpEndpointsAndIpcAddingTheTermLength()
    {
        assertEquals("aeron:udp?endpoint=127.0.0.1:4000|term-length=65536",
            IngressAgent.egressChannel("aeron:udp?endpoint=127.0.0.1:4000", 65536));
        assertEquals("aeron:udp?endpoint=localhost:65535|term-length=65536",
            IngressAgent.egressChannel("aeron:udp?endpoint=localhost:65535", 65536));
        assertEquals("aeron:udp?endpoint=[::1]:9|term-length=65536",
            IngressAgent.egressChannel("aeron:udp?endpoint=[::1]:9", 65536));
        assertEquals("aeron:ipc?term-length=65536", IngressAgent.egressChannel("aeron:ipc", 65536));
    }

    @Test
    void shouldRefuseChannelsTheDriverWouldHaveToResolveOrThatCarryOptions()
    {
        assertNull(IngressAgent.egressChannel("aeron:udp?endpoint=example.com:4000", 65536), "a name");
        assertNull(IngressAgent.egressChannel("aeron:udp?endpoint=localhost:0", 65536), "port 0");
        assertNull(IngressAgent.egressChannel("aeron:udp?endpoint=localhost:70000", 65536), "port too large");
        assertNull(IngressAgent.egressChannel("aeron:udp?endpoint=256.0.0.1:4000", 65536), "bad octet");
        assertNull(IngressAgent.egressChannel("aeron:udp?endpoint=localhost:7E9", 65536), "bad port");
        assertNull(IngressAgent.egressChannel("aeron:udp?endpoint=localhost:40|mtu=9000", 65536), "options");
        assertNull(IngressAgent.egressChannel("aeron:udp?control=localhost:40", 65536), "no endpoint");
        assertNull(IngressAgent.egressChannel("aeron-spy:aeron:udp?endpoint=localhost:40", 65536), "a spy");
        assertNull(IngressAgent.egressChannel("aeron:ipc?alias=x", 65536), "ipc options");
        assertNull(IngressAgent.egressChannel("garbage", 65536), "not a URI");
    }

    @Test
    void shouldRefuseToStartBeyondLoopbackWithoutASecret()
    {
        final SkeinException ex = assertThrows(SkeinException.class, () -> new SkeinNode.Context()
            .dir(new File("unused")).ingressChannel("aeron:udp?endpoint=0.0.0.0:20121").conclude());
        assertEquals(SkeinException.Code.CONFIGURATION, ex.code());
        assertTrue(ex.getMessage().contains("shared secret"), ex.getMessage());
    }

    @Test
    void shouldRefuseUnknownSettings()
    {
        final Properties properties = new Properties();
        properties.setProperty("skein.sesion.timeout.ms", "10");
        final SkeinException ex = assertThrows(SkeinException.class,
            () -> new SkeinNode.Context().properties(properties));
        assertTrue(ex.getMessage().contains("skein.sesion.timeout.ms"), ex.getMessage());
    }

    @Test
    void shouldTellLoopbackIngressFromReachableOnes()
    {
        assertTrue(SkeinNode.Context.isLoopback("aeron:ipc"));
        assertTrue(SkeinNode.Context.isLoopback("aeron:udp?endpoint=localhost:20121"));
        assertTrue(SkeinNode.Context.isLoopback("aeron:udp?endpoint=127.0.0.1:20121"));
        assertFalse(SkeinNode.Context.isLoopback("aeron:udp?endpoint=0.0.0.0:20121"));
        assertFalse(SkeinNode.Context.isLoopback("aeron:udp?endpoint=10.1.2.3:20121"));
    }
}
