package io.mediapipeline.status;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;

/** The routes of each route group and their state, read from the Camel context at every snapshot. */
@FunctionalInterface
interface RouteGroups {

    /** A group's route ids (sorted) and their state: "Started", "Stopped", "Suspended", or "mixed". */
    record Group(List<String> routes, String state) {
    }

    Map<String, Group> byGroup();

    static RouteGroups of(CamelContext camel) {
        return () -> {
            Map<String, List<String>> ids = new TreeMap<>();
            for (Route r : camel.getRoutes()) {
                if (r.getGroup() != null) {
                    ids.computeIfAbsent(r.getGroup(), g -> new ArrayList<>()).add(r.getId());
                }
            }
            Map<String, Group> out = new LinkedHashMap<>();
            ids.forEach((group, routes) -> {
                routes.sort(null);
                List<String> states = routes.stream()
                        .map(id -> state(camel.getRouteController().getRouteStatus(id))).distinct().toList();
                out.put(group, new Group(routes, states.size() == 1 ? states.get(0) : "mixed"));
            });
            return out;
        };
    }

    private static String state(ServiceStatus s) {
        if (s == null) {
            return "Stopped";
        }
        // Starting counts as Started and Suspending as Suspended: the operator sees where it is going
        if (s.isStarted() || s.isStarting()) {
            return "Started";
        }
        return s.isSuspended() || s.isSuspending() ? "Suspended" : "Stopped";
    }
}
