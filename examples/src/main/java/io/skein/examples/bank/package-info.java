/**
 * The bank account sample domain: open, deposit, withdraw, close and a balance query, with typed rejections.
 */
package io.skein.examples.bank;
