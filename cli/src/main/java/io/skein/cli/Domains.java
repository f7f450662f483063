package io.skein.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Supplier;

import io.skein.aggregate.Aggregate;
import io.skein.aggregate.AggregateDefinition;
import io.skein.protocol.EventUpcaster;
import io.skein.protocol.Upcasters;
import org.agrona.DirectBuffer;

/**
 * The aggregate types on the classpath (registered through {@code META-INF/services/io.skein.aggregate.Aggregate})
 * with their schemas, for the tools that show and write domain messages as text.
 */
final class Domains
{
    /**
     * One aggregate type.
     */
    static final class Domain
    {
        final int typeId;
        final String name;
        final SchemaText schema;
        final Supplier<Aggregate<?>> factory;
        final EventUpcaster upcaster;

        Domain(
            final int typeId,
            final String name,
            final SchemaText schema,
            final Supplier<Aggregate<?>> factory,
            final EventUpcaster upcaster)
        {
            this.typeId = typeId;
            this.name = name;
            this.schema = schema;
            this.factory = factory;
            this.upcaster = upcaster;
        }
    }

    private final List<Domain> domains = new ArrayList<>();

    private Domains()
    {
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    static Domains load()
    {
        final Domains domains = new Domains();
        for (final ServiceLoader.Provider<Aggregate> provider :
            ServiceLoader.load(Aggregate.class, UserClasspath.loader()).stream().toList())
        {
            final AggregateDefinition<Object> definition = new AggregateDefinition<>();
            ((Aggregate<Object>)provider.get()).define(definition);
            final SchemaText schema = null == definition.schemaResource() ? null :
                SchemaText.load(definition.schemaResource());
            domains.domains.add(new Domain(definition.typeId(), definition.name(), schema,
                () -> (Aggregate<?>)provider.get(), definition.upcaster()));
        }
        return domains;
    }

    List<Domain> all()
    {
        return domains;
    }

    /**
     * The aggregate types' upcasters, for one reader.
     *
     * @return the upcasters (empty if no type has one).
     */
    Upcasters upcasters()
    {
        final Upcasters upcasters = Upcasters.none();
        for (final Domain domain : domains)
        {
            if (null != domain.upcaster)
            {
                upcasters.add(domain.typeId, domain.upcaster);
            }
        }
        return upcasters;
    }

    /**
     * The stored form of an event a reader upcast, for the tools to show beside its current form.
     *
     * @param typeId     of the aggregate type.
     * @param templateId the event was stored with.
     * @param version    it was stored with.
     * @return such as {@code (upcast from Credited v1)}.
     */
    String upcastNote(final int typeId, final int templateId, final int version)
    {
        final Domain domain = byTypeId(typeId);
        final String name = null == domain || null == domain.schema ? null : domain.schema.messageName(templateId);
        return " (upcast from " + (null == name ? "template " + templateId : name) + " v" + version + ")";
    }

    List<Supplier<? extends Aggregate<?>>> factories()
    {
        final List<Supplier<? extends Aggregate<?>>> factories = new ArrayList<>();
        for (final Domain domain : domains)
        {
            factories.add(domain.factory);
        }
        return factories;
    }

    Domain byTypeId(final int typeId)
    {
        for (final Domain domain : domains)
        {
            if (domain.typeId == typeId)
            {
                return domain;
            }
        }
        return null;
    }

    /**
     * Find an aggregate type by name or numeric id.
     *
     * @param nameOrId such as {@code account} or {@code 1}.
     * @return the type.
     * @throws IllegalArgumentException listing the known types if there is no such type.
     */
    Domain find(final String nameOrId)
    {
        for (final Domain domain : domains)
        {
            if (domain.name.equalsIgnoreCase(nameOrId) || String.valueOf(domain.typeId).equals(nameOrId))
            {
                return domain;
            }
        }
        final StringBuilder known = new StringBuilder();
        for (final Domain domain : domains)
        {
            known.append(known.length() > 0 ? ", " : "").append(domain.name).append(" (").append(domain.typeId)
                .append(')');
        }
        throw new IllegalArgumentException("no aggregate type " + nameOrId + "; known types: " +
            (known.length() > 0 ? known : "none on the classpath"));
    }

    String typeName(final int typeId)
    {
        final Domain domain = byTypeId(typeId);
        return null == domain ? "type " + typeId : domain.name;
    }

    /**
     * A domain message as text, through its aggregate type's schema.
     *
     * @param typeId of the aggregate type.
     * @param buffer holding the message, header included.
     * @param offset of the message.
     * @param length of the message.
     * @return the text.
     */
    String decode(final int typeId, final DirectBuffer buffer, final int offset, final int length)
    {
        final Domain domain = byTypeId(typeId);
        if (null == domain || null == domain.schema)
        {
            return "<" + length + " bytes; no schema for aggregate type " + typeId + ">";
        }
        return domain.schema.decode(buffer, offset, length);
    }

    /**
     * Parse {@code TYPE:ID} such as {@code account:42}.
     *
     * @param text to parse.
     * @return the type id and the aggregate id.
     */
    long[] parseAddress(final String text)
    {
        final int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1)
        {
            throw new IllegalArgumentException("an aggregate is TYPE:ID, such as account:42, not '" + text + "'");
        }
        final Domain domain = find(text.substring(0, colon));
        try
        {
            return new long[] {domain.typeId, Long.parseLong(text.substring(colon + 1))};
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("an aggregate id is a 64-bit number, not '" +
                text.substring(colon + 1) + "'");
        }
    }
}
