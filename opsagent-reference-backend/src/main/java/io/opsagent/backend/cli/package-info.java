/**
 * The standalone reference backend ({@code java -jar opsagent-reference-backend.jar}); internal,
 * not an API.
 */
package io.opsagent.backend.cli;
