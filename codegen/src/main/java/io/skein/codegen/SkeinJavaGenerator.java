package io.skein.codegen;

import uk.co.real_logic.sbe.generation.CodeGenerator;
import uk.co.real_logic.sbe.generation.TargetCodeGenerator;
import uk.co.real_logic.sbe.generation.TargetCodeGeneratorLoader;
import uk.co.real_logic.sbe.generation.java.JavaOutputManager;
import uk.co.real_logic.sbe.ir.Ir;

/**
 * SBE's Java generator followed by Skein's {@link AggregateHandlersGenerator}, chosen with
 * {@code -Dsbe.target.language=io.skein.codegen.SkeinJavaGenerator} in the sbe-tool step (every other
 * {@code sbe.java.*} property applies to the codecs as before). SBE loads it by class name, so this module only has to
 * be on that step's classpath.
 */
public final class SkeinJavaGenerator implements TargetCodeGenerator
{
    /**
     * {@inheritDoc}
     */
    @Override
    public CodeGenerator newInstance(final Ir ir, final String outputDir)
    {
        final CodeGenerator codecs = TargetCodeGeneratorLoader.JAVA.newInstance(ir, outputDir);
        final CodeGenerator handlers =
            new AggregateHandlersGenerator(ir, new JavaOutputManager(outputDir, ir.applicableNamespace()));
        return () ->
        {
            codecs.generate();
            handlers.generate();
        };
    }
}
