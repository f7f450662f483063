/**
 * Skein's code generation, run by sbe-tool: typed handler interfaces per aggregate, from the roles the schema gives
 * its messages ({@code semanticType="skein:<role>:<Aggregate>"}).
 */
package io.skein.codegen;
