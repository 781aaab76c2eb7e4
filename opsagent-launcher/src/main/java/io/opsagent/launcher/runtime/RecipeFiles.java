package io.opsagent.launcher.runtime;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.opsagent.fsm.OpsAgentException;
import io.opsagent.fsm.protocol.BackendMessage;
import io.opsagent.fsm.protocol.ProtocolCodec;
import io.opsagent.fsm.protocol.ProtocolException;
import io.opsagent.fsm.protocol.RecipeMetadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the recipe file of {@code opsagent apply}: a {@code RecipeMetadata} object (its
 * {@code code} may be left out) or a bare array of states, checked by the same strict codec as
 * the frames from the backend.
 */
final class RecipeFiles {

    private RecipeFiles() { }

    static RecipeMetadata read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new OpsAgentException("recipe " + file + " cannot be read: " + e.getMessage(), e);
        }
        JsonObject frame;
        try {
            JsonElement root = JsonParser.parseString(text);
            if (root.isJsonArray()) {
                frame = new JsonObject();
                frame.addProperty("recipe_version", 1);
                frame.add("state", root.getAsJsonArray());
            } else if (root.isJsonObject()) {
                frame = root.getAsJsonObject();
                if (!frame.has("recipe_version")) {
                    frame.addProperty("recipe_version", 1);
                }
                if (!frame.has("state")) {
                    throw new OpsAgentException("recipe " + file + " has no \"state\" list: a RecipeMetadata object"
                            + " carries its states in \"state\"");
                }
            } else {
                throw new OpsAgentException("recipe " + file + " must be a RecipeMetadata object or an array of states");
            }
        } catch (com.google.gson.JsonParseException e) {
            throw new OpsAgentException("recipe " + file + " is not valid JSON: " + e.getMessage(), e);
        }
        frame.addProperty("code", RecipeMetadata.CODE);
        try {
            BackendMessage message = new ProtocolCodec().decodeBackendMessage(frame.toString());
            return (RecipeMetadata) message;
        } catch (ProtocolException e) {
            throw new OpsAgentException("recipe " + file + ": " + e.getMessage(), e);
        }
    }
}
