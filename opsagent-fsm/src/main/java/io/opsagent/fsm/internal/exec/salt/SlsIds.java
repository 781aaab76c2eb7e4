package io.opsagent.fsm.internal.exec.salt;

/**
 * IDs of the Salt states generated for one VisualOps state: {@code vops_<state id>_<role>}, with
 * every character other than ASCII letters, digits, {@code _} and {@code -} replaced by
 * {@code _} and the state id cut to 48 characters. They show up in Salt's result keys and in
 * requisite comments ("One or more requisite failed: vops.vops_web_require_git").
 */
final class SlsIds {

    private static final int MAX_STATE_ID = 48;

    private final String prefix;

    SlsIds(String stateId) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < stateId.length() && b.length() < MAX_STATE_ID; i++) {
            char c = stateId.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
            b.append(ok ? c : '_');
        }
        this.prefix = "vops_" + (b.length() == 0 ? "state" : b) + "_";
    }

    /** The ID for the state playing {@code role}, e.g. {@code main} or {@code require_git}. */
    String id(String role) {
        return prefix + role;
    }
}
