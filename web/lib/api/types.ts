/** Names for the stats API's response models (generated into schema.d.ts from its OpenAPI schema). */
import type { components } from "@/lib/api/schema";

type Schemas = components["schemas"];

export type Summary = Schemas["Summary"];
export type TimeSeries = Schemas["TimeSeries"];
export type SeriesPoint = Schemas["SeriesPoint"];
export type CallCount = Schemas["CallCount"];
export type Bucket = Schemas["Bucket"];
export type DialogPage = Schemas["DialogPage"];
export type Dialog = Schemas["Dialog"];
export type DialogMessages = Schemas["DialogMessages"];
export type DialogMessage = Schemas["DialogMessage"];
export type UserRef = Schemas["UserRef"];
export type TopUsers = Schemas["TopUsers"];
export type UserUsage = Schemas["UserUsage"];
export type ModelsReport = Schemas["ModelsReport"];
export type ModelHealth = Schemas["ModelHealth"];
export type ModelEvent = Schemas["ModelEvent"];
export type Incident = Schemas["Incident"];
export type OutcomeCount = Schemas["OutcomeCount"];
export type BreakerState = Schemas["BreakerState"];
