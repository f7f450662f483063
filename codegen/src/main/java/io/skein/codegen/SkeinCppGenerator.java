package io.skein.codegen;

import uk.co.real_logic.sbe.generation.CodeGenerator;
import uk.co.real_logic.sbe.generation.TargetCodeGenerator;
import uk.co.real_logic.sbe.generation.TargetCodeGeneratorLoader;
import uk.co.real_logic.sbe.generation.cpp.NamespaceOutputManager;
import uk.co.real_logic.sbe.ir.Ir;

/**
 * SBE's C++ generator (header-only codecs) followed by Skein's {@link CppTextGenerator}, chosen with
 * {@code -Dsbe.target.language=io.skein.codegen.SkeinCppGenerator} in the sbe-tool step. The codecs land where SBE
 * puts them ({@code <output>/<namespace_with_underscores>/}), with {@code SkeinText.h} beside them and
 * {@code <output>/skein/TextSupport.h}; compile with {@code -I <output>}.
 */
public final class SkeinCppGenerator implements TargetCodeGenerator
{
    /**
     * {@inheritDoc}
     */
    @Override
    public CodeGenerator newInstance(final Ir ir, final String outputDir)
    {
        final CodeGenerator codecs = TargetCodeGeneratorLoader.CPP.newInstance(ir, outputDir);
        final CodeGenerator text = new CppTextGenerator(ir,
            new NamespaceOutputManager(outputDir, ir.applicableNamespace()),
            new NamespaceOutputManager(outputDir, "skein"));
        return () ->
        {
            codecs.generate();
            text.generate();
        };
    }
}
