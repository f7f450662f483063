package io.skein.cli;

import java.util.Map;

import io.skein.examples.bank.codecs.DepositDecoder;
import io.skein.examples.bank.codecs.MessageHeaderDecoder;
import io.skein.examples.orderbook.codecs.MessageHeaderEncoder;
import io.skein.examples.orderbook.codecs.OrderAcceptedEncoder;
import io.skein.examples.orderbook.codecs.OrderType;
import io.skein.examples.orderbook.codecs.Side;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchemaTextTest
{
    private final SchemaText bank = SchemaText.load("io/skein/examples/bank/bank-schema.xml");
    private final SchemaText orderBook = SchemaText.load("io/skein/examples/orderbook/orderbook-schema.xml");
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1024]);

    @Test
    void shouldEncodeFromTextWhatTheGeneratedDecoderReads()
    {
        final int length = bank.encode("Deposit", Map.of("amount", "12345"), buffer, 16);
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 16);
        assertEquals(DepositDecoder.TEMPLATE_ID, header.templateId());
        assertEquals(DepositDecoder.SCHEMA_ID, header.schemaId());
        assertEquals(MessageHeaderDecoder.ENCODED_LENGTH + DepositDecoder.BLOCK_LENGTH, length);
        final DepositDecoder decoder = new DepositDecoder().wrap(buffer, 16 + MessageHeaderDecoder.ENCODED_LENGTH,
            header.blockLength(), header.version());
        assertEquals(12345, decoder.amount());
    }

    @Test
    void shouldDecodeWhatTheGeneratedEncoderWroteIncludingEnums()
    {
        final OrderAcceptedEncoder encoder = new OrderAcceptedEncoder()
            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .orderId(7).traderId(3).side(Side.SELL).orderType(OrderType.LIMIT).price(1001).quantity(40);
        final String text = orderBook.decode(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
        assertEquals("OrderAccepted{orderId=7, traderId=3, side=SELL, orderType=LIMIT, price=1001, quantity=40}", text);
    }

    @Test
    void shouldRoundTripEnumsByName()
    {
        final int length = orderBook.encode("PlaceLimitOrder",
            Map.of("orderId", "1", "traderId", "2", "side", "buy", "price", "99", "quantity", "5"), buffer, 0);
        assertEquals("PlaceLimitOrder{orderId=1, traderId=2, side=BUY, price=99, quantity=5}",
            orderBook.decode(buffer, 0, length));
    }

    @Test
    void shouldExplainBadInputNamingWhatIsValid()
    {
        final IllegalArgumentException unknownField = assertThrows(IllegalArgumentException.class,
            () -> bank.encode("Deposit", Map.of("amt", "1"), buffer, 0));
        assertTrue(unknownField.getMessage().contains("unknown field amt") &&
            unknownField.getMessage().contains("its fields: amount"), unknownField.getMessage());

        final IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
            () -> bank.encode("Deposit", Map.of(), buffer, 0));
        assertTrue(missing.getMessage().contains("amount of Deposit is required"), missing.getMessage());

        final IllegalArgumentException notNumber = assertThrows(IllegalArgumentException.class,
            () -> bank.encode("Deposit", Map.of("amount", "ten"), buffer, 0));
        assertTrue(notNumber.getMessage().contains("takes an int64"), notNumber.getMessage());

        final IllegalArgumentException badEnum = assertThrows(IllegalArgumentException.class,
            () -> orderBook.encode("PlaceMarketOrder", Map.of("orderId", "1", "traderId", "1", "side", "UP",
                "quantity", "1"), buffer, 0));
        assertTrue(badEnum.getMessage().contains("takes one of BUY, SELL"), badEnum.getMessage());

        final IllegalArgumentException noMessage = assertThrows(IllegalArgumentException.class,
            () -> bank.encode("Depositt", Map.of(), buffer, 0));
        assertTrue(noMessage.getMessage().contains("its messages: OpenAccount, Deposit"), noMessage.getMessage());
    }

    @Test
    void shouldNoteBytesOfAnotherSchemaInsteadOfFailing()
    {
        final int length = bank.encode("Deposit", Map.of("amount", "1"), buffer, 0);
        assertTrue(orderBook.decode(buffer, 0, length).startsWith("<schema 7001"));
        assertTrue(bank.decode(buffer, 0, 3).contains("too short"));
    }
}
