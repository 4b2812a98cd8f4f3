// Generated from the stats API's OpenAPI schema by `npm run gen:api`. Do not edit by hand.

export interface paths {
    "/api/v1/dialogs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Dialogs, sorted and searched
         * @description Walk the pages with ``cursor``, which keeps the sort; new activity does not shift the pages ahead.
         */
        get: operations["list_dialogs_api_v1_dialogs_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/dialogs/{chat_id}/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One dialog's messages
         * @description The chat, then its messages newest first, with the model, latency and cost of every answer.
         */
        get: operations["dialog_messages_api_v1_dialogs__chat_id__messages_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Model health: breaker states, requests, events, incidents
         * @description Each model's current breaker state, its requests by outcome and events in the range, and the incidents.
         */
        get: operations["models_api_v1_models_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/roles": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Usage by role
         * @description Answers, requests, tokens and cost per role in the range; switches to it; chats using it now.
         */
        get: operations["roles_api_v1_roles_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/summary": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Headline figures of a time range
         * @description Users, chats, messages, answers, model requests, incidents, tokens and cost in ``[from, to)``.
         */
        get: operations["get_summary_api_v1_summary_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/timeseries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Figures per minute, hour or day
         * @description Every bucket of the range in order, aligned to local time in ``tz``.
         */
        get: operations["get_time_series_api_v1_timeseries_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/top": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Top users by messages and by cost
         * @description The users who wrote most, and those who cost most, in ``[from, to)``.
         */
        get: operations["top_users_api_v1_users_top_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: the process answers */
        get: operations["healthz_healthz_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics of this service */
        get: operations["metrics_endpoint_metrics_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: the database answers and is migrated to the newest revision */
        get: operations["readyz_readyz_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** AnswerStats */
        AnswerStats: {
            /**
             * Answers
             * @description Answers given in the range (same as `messages.outgoing`).
             */
            answers: number;
            /**
             * By Fallback
             * @description Answers produced by the fallback model (failovers).
             */
            by_fallback: number;
            /**
             * Fallback Share
             * @description `by_fallback / answers`; null without answers.
             */
            fallback_share: number | null;
            /**
             * Latency Mean Ms
             * @description Mean answer latency (question received to answer delivered); null without answers.
             */
            latency_mean_ms: number | null;
            /**
             * Latency P50 Ms
             * @description Median answer latency (question received to answer delivered).
             */
            latency_p50_ms: number | null;
            /**
             * Latency P95 Ms
             * @description 95th percentile of the answer latency.
             */
            latency_p95_ms: number | null;
        };
        /**
         * BreakerState
         * @enum {string}
         */
        BreakerState: "closed" | "open" | "half_open";
        /**
         * Bucket
         * @enum {string}
         */
        Bucket: "minute" | "hour" | "day";
        /** CallCount */
        CallCount: {
            /**
             * Calls
             * @description Requests to `model` with `outcome` in the bucket.
             */
            calls: number;
            /**
             * Model
             * @description Model identifier, e.g. `openai/gpt-4o-mini`.
             */
            model: string;
            /**
             * Outcome
             * @description `ok` or a failure class (see the data contract).
             */
            outcome: string;
        };
        /** CallStats */
        CallStats: {
            /**
             * Cancelled
             * @description Requests cancelled because a parallel (hedged) request won.
             */
            cancelled: number;
            /**
             * Failed
             * @description Requests that failed: any outcome other than `ok` and `cancelled`.
             */
            failed: number;
            /**
             * Failure Rate
             * @description `failed / (total - cancelled)`; null when no request completed or failed.
             */
            failure_rate: number | null;
            /**
             * Ok
             * @description Requests that completed (`outcome='ok'`).
             */
            ok: number;
            /**
             * Total
             * @description Requests made to any model.
             */
            total: number;
            /**
             * Ttft Mean Ms
             * @description Mean time to first token of the `ok` requests.
             */
            ttft_mean_ms: number | null;
            /**
             * Ttft P50 Ms
             * @description Median time to first token of the `ok` requests.
             */
            ttft_p50_ms: number | null;
            /**
             * Ttft P95 Ms
             * @description 95th percentile of the time to first token of the `ok` requests.
             */
            ttft_p95_ms: number | null;
        };
        /** ChatCounts */
        ChatCounts: {
            /**
             * Active
             * @description Distinct chats with at least one user message in the range.
             */
            active: number;
            /**
             * New
             * @description Chats whose first user message falls in the range.
             */
            new: number;
            /**
             * Total
             * @description Chats (private or group) with a user message before `to`.
             */
            total: number;
        };
        /**
         * Dialog
         * @description A chat and what it amounts to; statistics survive deleted messages.
         */
        Dialog: {
            /**
             * Chat Id
             * @description Telegram chat id (positive for private chats, negative for groups).
             */
            chat_id: number;
            /**
             * Cost Usd
             * @description Cost of every request made for the chat, ever.
             */
            cost_usd: number;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /**
             * Last Activity At
             * Format: date-time
             * @description Time of the chat's latest message (the default sort).
             */
            last_activity_at: string;
            /**
             * Messages In
             * @description Messages users sent in the chat, ever.
             */
            messages_in: number;
            /**
             * Messages Out
             * @description Answers the bot gave in the chat, ever.
             */
            messages_out: number;
            /**
             * Role
             * @description The chat's current role; null for the default role.
             */
            role: string | null;
            /**
             * Title
             * @description Group title; null for private chats.
             */
            title: string | null;
            /**
             * Type
             * @description `private`, `group` or `supergroup`.
             */
            type: string;
            /** @description The user of a private chat; null for groups. */
            user: components["schemas"]["UserRef"] | null;
        };
        /** DialogMessage */
        DialogMessage: {
            /**
             * Author
             * @description Display name of the author in groups.
             */
            author: string | null;
            /**
             * Cost Usd
             * @description Cost of every request made for the answer (`out` only).
             */
            cost_usd: number | null;
            /**
             * Created At
             * Format: date-time
             */
            created_at: string;
            /**
             * Direction
             * @description `in` (a user's message) or `out` (an answer).
             */
            direction: string;
            /** Id */
            id: number;
            /**
             * Is Fallback
             * @description The answer came from the fallback model.
             */
            is_fallback: boolean;
            /**
             * Latency Ms
             * @description Question received to answer delivered (`out` only).
             */
            latency_ms: number | null;
            /**
             * Model
             * @description Model that produced the answer (`out` only).
             */
            model: string | null;
            /**
             * Role
             * @description Role the answer was given in; null for the default role.
             */
            role: string | null;
            /**
             * Text
             * @description Null once retention removed it.
             */
            text: string | null;
            /**
             * User Id
             * @description Author of an `in` message; the asking user of an `out` one.
             */
            user_id: number | null;
        };
        /** DialogMessages */
        DialogMessages: {
            dialog: components["schemas"]["Dialog"];
            /**
             * Items
             * @description Messages newest first.
             */
            items: components["schemas"]["DialogMessage"][];
            /**
             * Next Cursor
             * @description Pass as `cursor` to get older messages; null when none are left.
             */
            next_cursor: string | null;
        };
        /** DialogPage */
        DialogPage: {
            /**
             * Items
             * @description Dialogs in the requested order.
             */
            items: components["schemas"]["Dialog"][];
            /**
             * Next Cursor
             * @description Pass as `cursor` to get the next page; null on the last page.
             */
            next_cursor: string | null;
        };
        /**
         * DialogSort
         * @enum {string}
         */
        DialogSort: "activity" | "messages" | "cost";
        /** ErrorMessage */
        ErrorMessage: {
            /** Detail */
            detail: string;
        };
        /** HTTPValidationError */
        HTTPValidationError: {
            /** Detail */
            detail?: components["schemas"]["ValidationError"][];
        };
        /** Health */
        Health: {
            /**
             * Status
             * @description Always `ok`: the process is alive.
             */
            status: string;
        };
        /**
         * Incident
         * @description A period during which no model could answer.
         */
        Incident: {
            /**
             * Duration Seconds
             * @description Null while the incident is still open.
             */
            duration_seconds: number | null;
            /**
             * Ended At
             * @description Null while the incident is still open.
             */
            ended_at: string | null;
            /**
             * Started At
             * Format: date-time
             */
            started_at: string;
        };
        /** IncidentStats */
        IncidentStats: {
            /**
             * Both Down
             * @description Incidents (no model could answer) that started in the range.
             */
            both_down: number;
            /**
             * Both Down Seconds
             * @description Time in the range during which an incident was open (an unfinished one counts until now).
             */
            both_down_seconds: number;
        };
        /** LastFailure */
        LastFailure: {
            /**
             * At
             * Format: date-time
             * @description When the failed request started.
             */
            at: string;
            /**
             * Outcome
             * @description Its failure class, e.g. `timeout`, `server_error` or `rate_limited`.
             */
            outcome: string;
        };
        /** MessageCounts */
        MessageCounts: {
            /**
             * Incoming
             * @description Messages users sent that the bot took (`direction='in'`).
             */
            incoming: number;
            /**
             * Outgoing
             * @description Answers the bot gave (`direction='out'`), one per answer however split.
             */
            outgoing: number;
        };
        /** ModelEvent */
        ModelEvent: {
            /**
             * At
             * Format: date-time
             */
            at: string;
            /** From State */
            from_state: string | null;
            /**
             * Kind
             * @description `breaker` (a state change) or `route_away` (skipped without a state change: rate-limited, no credits or a bad key; `reason` says which).
             */
            kind: string;
            /** Model */
            model: string;
            /** Reason */
            reason: string | null;
            /** To State */
            to_state: string | null;
        };
        /** ModelHealth */
        ModelHealth: {
            /**
             * Calls
             * @description Requests to the model in the range.
             */
            calls: number;
            /**
             * Configured As
             * @description `primary` or `fallback` when this service's settings name it.
             */
            configured_as: string | null;
            /**
             * Events
             * @description The model's latest breaker events in the range, newest first.
             */
            events: components["schemas"]["ModelEvent"][];
            /**
             * Failure Rate
             * @description `failures / (calls - cancelled)`; null without such calls.
             */
            failure_rate: number | null;
            /**
             * Failures
             * @description Failed requests (outcome other than `ok` and `cancelled`) in the range.
             */
            failures: number;
            /** @description The model's latest failed request, whenever it was (like `state`); null if none ever failed. */
            last_failure: components["schemas"]["LastFailure"] | null;
            /**
             * Last Reason
             * @description Reason given for the latest transition.
             */
            last_reason: string | null;
            /** Model */
            model: string;
            /**
             * Outcomes
             * @description Requests in the range by outcome, sorted by outcome.
             */
            outcomes: components["schemas"]["OutcomeCount"][];
            /** @description Current breaker state: the target of its latest transition. */
            state: components["schemas"]["BreakerState"];
            /**
             * State Since
             * @description When the breaker entered `state`; null if it never moved.
             */
            state_since: string | null;
        };
        /** ModelsReport */
        ModelsReport: {
            /**
             * Incidents
             * @description Incidents overlapping the range, newest first.
             */
            incidents: components["schemas"]["Incident"][];
            /**
             * Models
             * @description Configured models first, then the others by name.
             */
            models: components["schemas"]["ModelHealth"][];
            range: components["schemas"]["TimeRange"];
        };
        /** OutcomeCount */
        OutcomeCount: {
            /** Calls */
            calls: number;
            /** Outcome */
            outcome: string;
        };
        /** Readiness */
        Readiness: {
            /**
             * Database
             * @description The database answered.
             */
            database: boolean;
            /**
             * Expected Revision
             * @description Revision this service needs (the newest).
             */
            expected_revision: string;
            /** Ready */
            ready: boolean;
            /**
             * Reason
             * @description Why the service is not ready; null when it is.
             */
            reason: string | null;
            /**
             * Revision
             * @description Migration revision the database is at.
             */
            revision: string | null;
        };
        /** RoleUsage */
        RoleUsage: {
            /**
             * Answers
             * @description Answers given in the role in the range.
             */
            answers: number;
            /**
             * Calls
             * @description Requests made in the role in the range.
             */
            calls: number;
            /**
             * Chats Now
             * @description Chats currently using the role.
             */
            chats_now: number;
            /** Completion Tokens */
            completion_tokens: number;
            /** Cost Usd */
            cost_usd: number;
            /** Prompt Tokens */
            prompt_tokens: number;
            /**
             * Role
             * @description Role name; null for the default role.
             */
            role: string | null;
            /**
             * Switches
             * @description Times a chat switched to the role (/role) in the range.
             */
            switches: number;
        };
        /** RolesReport */
        RolesReport: {
            range: components["schemas"]["TimeRange"];
            /**
             * Roles
             * @description Sorted by answers, most first, then by name.
             */
            roles: components["schemas"]["RoleUsage"][];
        };
        /**
         * SeriesPoint
         * @description One bucket of the series; the first and the last may be cut by the range.
         */
        SeriesPoint: {
            /**
             * Active Users
             * @description Distinct users who wrote in the bucket.
             */
            active_users: number;
            /**
             * Calls
             * @description Requests by model and outcome, sorted by model then outcome.
             */
            calls: components["schemas"]["CallCount"][];
            /**
             * Calls Failed
             * @description Requests that failed (outcome other than `ok` and `cancelled`).
             */
            calls_failed: number;
            /**
             * Calls Total
             * @description Requests made to any model.
             */
            calls_total: number;
            /**
             * Cost Usd
             * @description Cost of the requests in the bucket.
             */
            cost_usd: number;
            /**
             * End
             * Format: date-time
             * @description End of the bucket (excluded), as UTC. A local day may last 23 or 25 hours.
             */
            end: string;
            /**
             * Failovers
             * @description Answers produced by the fallback model.
             */
            failovers: number;
            /**
             * Latency Mean Ms
             * @description Mean answer latency; null without answers.
             */
            latency_mean_ms: number | null;
            /**
             * Latency P50 Ms
             * @description Median answer latency; null without answers.
             */
            latency_p50_ms: number | null;
            /**
             * Latency P95 Ms
             * @description 95th percentile of the answer latency; null without answers.
             */
            latency_p95_ms: number | null;
            /**
             * Messages In
             * @description Messages users sent.
             */
            messages_in: number;
            /**
             * Messages Out
             * @description Answers the bot gave.
             */
            messages_out: number;
            /**
             * Start
             * Format: date-time
             * @description Start of the bucket: a local minute, hour or midnight in `tz`, as UTC.
             */
            start: string;
            /**
             * Tokens
             * @description Prompt and completion tokens.
             */
            tokens: number;
        };
        /**
         * SortOrder
         * @enum {string}
         */
        SortOrder: "desc" | "asc";
        /**
         * Summary
         * @description Every headline figure of one time range.
         */
        Summary: {
            answers: components["schemas"]["AnswerStats"];
            calls: components["schemas"]["CallStats"];
            chats: components["schemas"]["ChatCounts"];
            incidents: components["schemas"]["IncidentStats"];
            messages: components["schemas"]["MessageCounts"];
            range: components["schemas"]["TimeRange"];
            usage: components["schemas"]["UsageStats"];
            users: components["schemas"]["UserCounts"];
        };
        /**
         * TimeRange
         * @description The half-open range ``[from, to)`` the figures cover, widened to whole minutes.
         */
        TimeRange: {
            /**
             * From
             * Format: date-time
             * @description Start of the range (included), on a whole minute.
             */
            from: string;
            /**
             * To
             * Format: date-time
             * @description End of the range (excluded), on a whole minute.
             */
            to: string;
        };
        /** TimeSeries */
        TimeSeries: {
            bucket: components["schemas"]["Bucket"];
            /**
             * Points
             * @description Every bucket of the range in order, empty ones included.
             */
            points: components["schemas"]["SeriesPoint"][];
            range: components["schemas"]["TimeRange"];
            /**
             * Tz
             * @description IANA time zone the buckets are aligned to.
             */
            tz: string;
        };
        /** TopUsers */
        TopUsers: {
            /**
             * By Cost
             * @description Highest cost first; ties by user id.
             */
            by_cost: components["schemas"]["UserUsage"][];
            /**
             * By Messages
             * @description Most messages sent first; ties by user id.
             */
            by_messages: components["schemas"]["UserUsage"][];
            range: components["schemas"]["TimeRange"];
        };
        /** UsageStats */
        UsageStats: {
            /**
             * Completion Tokens
             * @description Completion tokens reported by the models.
             */
            completion_tokens: number;
            /**
             * Cost Usd
             * @description Cost of every request in the range, failed ones that were billed included.
             */
            cost_usd: number;
            /**
             * Prompt Tokens
             * @description Prompt tokens reported by the models.
             */
            prompt_tokens: number;
            /**
             * Total Tokens
             * @description `prompt_tokens + completion_tokens`.
             */
            total_tokens: number;
        };
        /** UserCounts */
        UserCounts: {
            /**
             * Active
             * @description Distinct users who wrote at least one message in the range.
             */
            active: number;
            /**
             * Active Day
             * @description Distinct users who wrote in the 24 hours ending at `to`.
             */
            active_day: number;
            /**
             * Active Month
             * @description Distinct users who wrote in the 30 days ending at `to`.
             */
            active_month: number;
            /**
             * Active Week
             * @description Distinct users who wrote in the 7 days ending at `to`.
             */
            active_week: number;
            /**
             * New
             * @description Users whose first message falls in the range.
             */
            new: number;
            /**
             * Total
             * @description Users who had written to the bot before `to`.
             */
            total: number;
        };
        /** UserRef */
        UserRef: {
            /** First Name */
            first_name: string | null;
            /**
             * Id
             * @description Telegram user id.
             */
            id: number;
            /** Last Name */
            last_name: string | null;
            /**
             * Username
             * @description Telegram @username, without the @.
             */
            username: string | null;
        };
        /** UserUsage */
        UserUsage: {
            /**
             * Calls
             * @description Requests made to models for the user.
             */
            calls: number;
            /**
             * Cost Usd
             * @description Cost of the requests made for the user.
             */
            cost_usd: number;
            /**
             * Messages In
             * @description Messages the user sent in the range.
             */
            messages_in: number;
            /**
             * Messages Out
             * @description Answers the user got in the range.
             */
            messages_out: number;
            /**
             * Tokens
             * @description Prompt and completion tokens spent for the user.
             */
            tokens: number;
            user: components["schemas"]["UserRef"];
        };
        /** ValidationError */
        ValidationError: {
            /** Context */
            ctx?: Record<string, never>;
            /** Input */
            input?: unknown;
            /** Location */
            loc: (string | number)[];
            /** Message */
            msg: string;
            /** Error Type */
            type: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    list_dialogs_api_v1_dialogs_get: {
        parameters: {
            query?: {
                /** @description Page size (at most 200). */
                limit?: number;
                /** @description `next_cursor` of the previous page. */
                cursor?: string | null;
                /** @description Find dialogs by a user's name or @username, a group title (substring, any case), or by a chat or user id (exact). */
                q?: string | null;
                /** @description Find dialogs with a message containing this text (any case). */
                text?: string | null;
                /** @description `activity` (latest message), `messages` (sent and answered, ever) or `cost` (ever). Chats with neither a message nor a request come last in the last two, whichever the order. */
                sort?: components["schemas"]["DialogSort"];
                /** @description `desc` (largest or newest first) or `asc`. */
                order?: components["schemas"]["SortOrder"];
                /** @description Only dialogs where a user wrote at or after this instant (ISO-8601; rounded down to a minute). With `to` or alone; without either, every dialog. */
                from?: string | null;
                /** @description Only dialogs where a user wrote before this instant (rounded up to a minute). */
                to?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DialogPage"];
                };
            };
            /** @description Missing or wrong bearer token. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorMessage"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description The database is unreachable or the query took too long. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorMessage"];
                };
            };
        };
    };
    dialog_messages_api_v1_dialogs__chat_id__messages_get: {
        parameters: {
            query?: {
                /** @description Page size (at most 500). */
                limit?: number;
                /** @description `next_cursor` of the previous page. */
                cursor?: string | null;
            };
            header?: never;
            path: {
                /** @description Telegram chat id. */
                chat_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DialogMessages"];
                };
            };
            /** @description Missing or wrong bearer token. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorMessage"];
                };
            };
            /** @description No such chat. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorMessage"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description The database is unreachable or the query took too long. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorMessage"];
                };
            };
        };
    };
    models_api_v1_models_get: {
        parameters: {
            query?: {
                /** @description How many of each model's latest events in the range to list. */
                events?: number;
                /** @description Start of the range (included), ISO-8601; without an offset it is UTC. Default: 24 hours before `to`. Rounded down to a whole minute. */
                from?: string | null;
                /** @description End of the range (excluded), ISO-8601; without an offset it is UTC. Default: now. Rounded up to a whole minute. */
                to?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelsReport"];
                };
            };
            /** @description Missing or wrong bearer token. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorMessage"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description The database is unreachable or the query took too long. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorMessage"];
                };
            };
        };
    };
    roles_api_v1_roles_get: {
        parameters: {
            query?: {
                /** @description Start of the range (included), ISO-8601; without an offset it is UTC. Default: 24 hours before `to`. Rounded down to a whole minute. */
                from?: string | null;
                /** @description End of the range (excluded), ISO-8601; without an offset it is UTC. Default: now. Rounded up to a whole minute. */
                to?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RolesReport"];
                };
            };
            /** @description Missing or wrong bearer token. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorMessage"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description The database is unreachable or the query took too long. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorMessage"];
                };
            };
        };
    };
    get_summary_api_v1_summary_get: {
        parameters: {
            query?: {
                /** @description Start of the range (included), ISO-8601; without an offset it is UTC. Default: 24 hours before `to`. Rounded down to a whole minute. */
                from?: string | null;
                /** @description End of the range (excluded), ISO-8601; without an offset it is UTC. Default: now. Rounded up to a whole minute. */
                to?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Summary"];
                };
            };
            /** @description Missing or wrong bearer token. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorMessage"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description The database is unreachable or the query took too long. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorMessage"];
                };
            };
        };
    };
    get_time_series_api_v1_timeseries_get: {
        parameters: {
            query?: {
                /** @description Bucket size: `minute` (ranges up to 2 days), `hour` (125 days) or `day`. */
                bucket?: components["schemas"]["Bucket"];
                /** @description Start of the range (included), ISO-8601; without an offset it is UTC. Default: 24 hours before `to`. Rounded down to a whole minute. */
                from?: string | null;
                /** @description End of the range (excluded), ISO-8601; without an offset it is UTC. Default: now. Rounded up to a whole minute. */
                to?: string | null;
                /** @description IANA time zone the buckets are aligned to, e.g. `Europe/Moscow`. */
                tz?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TimeSeries"];
                };
            };
            /** @description Missing or wrong bearer token. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorMessage"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description The database is unreachable or the query took too long. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorMessage"];
                };
            };
        };
    };
    top_users_api_v1_users_top_get: {
        parameters: {
            query?: {
                /** @description Length of each list (at most 100). */
                limit?: number;
                /** @description Start of the range (included), ISO-8601; without an offset it is UTC. Default: 24 hours before `to`. Rounded down to a whole minute. */
                from?: string | null;
                /** @description End of the range (excluded), ISO-8601; without an offset it is UTC. Default: now. Rounded up to a whole minute. */
                to?: string | null;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TopUsers"];
                };
            };
            /** @description Missing or wrong bearer token. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorMessage"];
                };
            };
            /** @description Validation Error */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HTTPValidationError"];
                };
            };
            /** @description The database is unreachable or the query took too long. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorMessage"];
                };
            };
        };
    };
    healthz_healthz_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
    metrics_endpoint_metrics_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    readyz_readyz_get: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Successful Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            /** @description Not ready; `reason` says why. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
        };
    };
}
