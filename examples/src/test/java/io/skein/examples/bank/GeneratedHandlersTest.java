package io.skein.examples.bank;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import io.skein.aggregate.Aggregate;
import io.skein.aggregate.AggregateDefinition;
import io.skein.examples.bank.codecs.AccountHandlers;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The interface generated from the bank schema's roles: it binds every command, query and event, and an aggregate
 * that forgets a handler or an applier does not compile (checked by compiling one with the JDK's compiler).
 */
class GeneratedHandlersTest
{
    private static final String[] METHODS = {
        "public void onOpenAccount(OpenAccountDecoder c, AccountState s, CommandContext x) {}",
        "public void onDeposit(DepositDecoder c, AccountState s, CommandContext x) {}",
        "public void onWithdraw(WithdrawDecoder c, AccountState s, CommandContext x) {}",
        "public void onCloseAccount(CloseAccountDecoder c, AccountState s, CommandContext x) {}",
        "public void onTransfer(TransferDecoder c, AccountState s, CommandContext x) {}",
        "public void onGetBalance(GetBalanceDecoder q, AccountState s, QueryContext x) {}",
        "public void applyAccountOpened(AccountOpenedDecoder e, AccountState s) {}",
        "public void applyDeposited(DepositedDecoder e, AccountState s) {}",
        "public void applyWithdrawn(WithdrawnDecoder e, AccountState s) {}",
        "public void applyAccountClosed(AccountClosedDecoder e, AccountState s) {}",
        "public void applyTransferSent(TransferSentDecoder e, AccountState s) {}",
        "public void applyTransferReceived(TransferReceivedDecoder e, AccountState s) {}",
        "public void applyFundsReserved(FundsReservedDecoder e, AccountState s) {}",
        "public void applyFundsReleased(FundsReleasedDecoder e, AccountState s) {}",
        "public void applyReservedFundsPaid(ReservedFundsPaidDecoder e, AccountState s) {}",
        "public void applySettlementReceived(SettlementReceivedDecoder e, AccountState s) {}",
    };

    @TempDir
    Path dir;

    @Test
    void bindsEveryCommandQueryAndEventOfTheSchema()
    {
        final AggregateDefinition<AccountState> definition = new AggregateDefinition<>();
        new BankAccount().define(definition);
        int commands = 0;
        int queries = 0;
        int events = 0;
        for (final AggregateDefinition.Binding<AccountState> binding : definition.bindings())
        {
            switch (binding.kind())
            {
                case COMMAND -> commands++;
                case QUERY -> queries++;
                case EVENT -> events++;
                default -> throw new AssertionError(binding.kind());
            }
        }
        assertEquals(5, commands);
        assertEquals(1, queries);
        assertEquals(10, events);
    }

    @Test
    void anAggregateMissingAnApplierOrAHandlerDoesNotCompile() throws Exception
    {
        assertTrue(compile("Complete", -1).isEmpty(), "the complete aggregate compiles");
        for (final int missing : new int[] {1, 4, 5, 8, 11, 14})
        {
            final List<String> errors = compile("Missing" + missing, missing);
            assertFalse(errors.isEmpty(), "compiled without " + METHODS[missing]);
            final String name = METHODS[missing].substring(12, METHODS[missing].indexOf('('));
            assertTrue(errors.get(0).contains(name), errors.toString());
        }
    }

    private List<String> compile(final String className, final int missing) throws IOException, URISyntaxException
    {
        final StringBuilder source = new StringBuilder("package io.skein.examples.bank;\n")
            .append("import io.skein.aggregate.*;\nimport io.skein.examples.bank.codecs.*;\n")
            .append("final class ").append(className).append(" implements AccountHandlers<AccountState>\n{\n");
        for (int i = 0; i < METHODS.length; i++)
        {
            if (i != missing)
            {
                source.append("    ").append(METHODS[i]).append('\n');
            }
        }
        source.append("}\n");
        final Path file = dir.resolve(className + ".java");
        Files.writeString(file, source);

        final JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        final DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, Locale.ROOT, null))
        {
            final String classpath = String.join(File.pathSeparator, locationOf(AccountHandlers.class),
                locationOf(Aggregate.class), locationOf(DirectBuffer.class));
            compiler.getTask(null, files, diagnostics, List.of("-classpath", classpath, "-d", dir.toString()), null,
                files.getJavaFileObjects(file.toFile())).call();
        }
        final List<String> errors = new ArrayList<>();
        for (final Diagnostic<? extends JavaFileObject> diagnostic : diagnostics.getDiagnostics())
        {
            if (diagnostic.getKind() == Diagnostic.Kind.ERROR)
            {
                errors.add(diagnostic.getMessage(Locale.ROOT));
            }
        }
        return errors;
    }

    private static String locationOf(final Class<?> type) throws URISyntaxException
    {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
