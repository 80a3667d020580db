import json
def ref(n): return {"$ref": f"#/components/schemas/{n}"}
def err(desc): return {"description": desc, "content": {"application/json": {"schema": ref("Error")}}}
def ok(schema, desc="OK"): return {"description": desc, "content": {"application/json": {"schema": schema}}}
# An id: 1 to 256 characters, none of them a control character (what the server checks).
NOCTRL = "^[^\\u0000-\\u001f\\u007f-\\u009f]+$"
# A rating: finite and within ±1e6 (the server also checks the model's rating scale: 422).
RATING = {"type": "number", "minimum": -1000000, "maximum": 1000000}
P = {
 "k": {"name": "k", "in": "query", "required": False, "description": "How many items (1...1000).", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10}},
 "model": {"name": "model", "in": "query", "required": False, "description": "A served model's name (default: the first).", "schema": {"type": "string"}},
 "genre": {"name": "genre", "in": "query", "required": False, "description": "Only items of these genres (repeatable or comma-separated).", "schema": {"type": "array", "items": {"type": "string"}}, "style": "form", "explode": True},
 "userId": {"name": "id", "in": "path", "required": True, "description": "A raw user id.", "schema": {"type": "string", "minLength": 1, "maxLength": 256, "pattern": NOCTRL}, "example": "1"},
 "itemId": {"name": "id", "in": "path", "required": True, "description": "A raw item id.", "schema": {"type": "string", "minLength": 1, "maxLength": 256, "pattern": NOCTRL}, "example": "50"},
 "modelName": {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}},
 "runId": {"name": "id", "in": "path", "required": True, "description": "A training run's id (from POST /v1/training).", "schema": {"type": "string", "minLength": 1, "maxLength": 256, "pattern": NOCTRL}},
}
bad = {"400": err("Bad request (malformed JSON, wrong types, parameter out of range)."),
       "404": err("Unknown model, user or item."), "413": err("Body too large."), "422": err("Not applicable to this model, or an unknown id or genre in the body or query, or a rating outside the model's scale.")}
def std(*codes): return {c: bad[c] for c in codes}
doc = {
 "openapi": "3.1.0",
 "info": {"title": "swift-recommender service", "version": "1.0.0",
          "description": "Recommendations, similar items, rating predictions and a ratings store over trained models. Raw (data-set) ids only. Every client mistake is a 4xx with {\"error\": {\"code\", \"message\"}}."},
 "servers": [{"url": "/"}],
 "paths": {
  "/healthz": {"get": {"operationId": "healthz", "summary": "Liveness.", "responses": {"200": ok({"type": "object", "properties": {"status": {"type": "string"}}, "required": ["status"]})}}},
  "/readyz": {"get": {"operationId": "readyz", "summary": "Readiness: models loaded.", "responses": {"200": ok({"type": "object", "properties": {"status": {"type": "string"}, "models": {"type": "object", "additionalProperties": {"type": "integer"}}, "store": {"type": "boolean"}}, "required": ["status", "models", "store"]})}}},
  "/metrics": {"get": {"operationId": "metrics", "summary": "Prometheus text: request counts and latency histograms by route, model versions.", "responses": {"200": {"description": "Prometheus text format 0.0.4", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
  "/v1/openapi.json": {"get": {"operationId": "openapi", "summary": "This document.", "responses": {"200": ok({"type": "object"})}}},
  "/v1/algorithms": {"get": {"operationId": "algorithms", "summary": "The algorithm catalog with each hyper-parameter table.", "responses": {"200": ok({"type": "object", "properties": {"algorithms": {"type": "array", "items": {"type": "object"}}}, "required": ["algorithms"]})}}},
  "/v1/models": {"get": {"operationId": "listModels", "summary": "The served models: algorithm, hyper-parameters, training data, metrics, trained-at, version.", "responses": {"200": ok(ref("Models"))}}},
  "/v1/models/{name}": {"get": {"operationId": "getModel", "parameters": [P["modelName"]], "responses": {"200": ok(ref("Model")), **std("404")}}},
  "/v1/models/{name}/reload": {"post": {"operationId": "reloadModel", "summary": "Read the model file again and swap it in (requests in flight finish on the old model).", "parameters": [P["modelName"]], "responses": {"200": ok(ref("Model")), **std("404"), "422": err("The file could not be loaded; the old model is still served.")}}},
  "/v1/models/{name}/retrain": {"post": {"operationId": "retrainModel", "summary": "Start a background retraining now (servers started with --retrain-every).", "parameters": [P["modelName"]], "responses": {"202": ok({"type": "object", "properties": {"status": {"type": "string"}}}), **std("404"), "409": err("Not retrained by this server, or a retraining is running.")}}},
  "/v1/users/{id}/recommendations": {"get": {"operationId": "recommendForUser", "summary": "Top-k items for a user (known to the model, or known only by stored ratings: fold-in).",
     "parameters": [P["userId"], P["k"], P["model"], {"name": "exclude_rated", "in": "query", "schema": {"type": "boolean", "default": True}}, P["genre"], {"name": "explain", "in": "query", "schema": {"type": "boolean", "default": False}}, {"name": "exact", "in": "query", "description": "Score every item even when the model has an HNSW index (the index answers known users by default).", "schema": {"type": "boolean", "default": False}}],
     "responses": {"200": ok(ref("Recommendations")), **std("400", "404", "422")}}},
  "/v1/recommendations": {"post": {"operationId": "recommendForHistory", "summary": "Top-k items for an ad-hoc history (fold-in, no retraining).",
     "requestBody": {"required": True, "content": {"application/json": {"schema": ref("AdHocRequest")}}},
     "responses": {"200": ok(ref("Recommendations")), **std("400", "404", "413", "422")}}},
  "/v1/items": {"get": {"operationId": "searchItems", "summary": "Items whose title contains the query (case-insensitive), or the item with that id first.",
     "parameters": [{"name": "query", "in": "query", "schema": {"type": "string", "maxLength": 200}}, {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 20}}, P["model"]],
     "responses": {"200": ok(ref("Items")), **std("400", "404")}}},
  "/v1/items/{id}/similar": {"get": {"operationId": "similarItems", "summary": "Nearest items in the model's embedding space (the item itself included).",
     "parameters": [P["itemId"], P["k"], {"name": "measure", "in": "query", "schema": {"type": "string", "enum": ["cosine", "dot"], "default": "cosine"}}, P["model"], P["genre"]],
     "responses": {"200": ok(ref("Similar")), **std("400", "404", "422")}}},
  "/v1/predict": {"post": {"operationId": "predict", "summary": "Predicted ratings of (user, item) pairs (rating models).",
     "requestBody": {"required": True, "content": {"application/json": {"schema": ref("PredictRequest")}}},
     "responses": {"200": ok(ref("Predictions")), **std("400", "404", "413", "422")}}},
  "/v1/users/{id}/ratings": {
     "get": {"operationId": "getUserRatings", "summary": "The user's stored rating events.", "parameters": [P["userId"]], "responses": {"200": ok(ref("UserRatings")), **std("400", "404")}},
     "post": {"operationId": "postUserRating", "summary": "Store a rating; 201 once it is durable. The user's next recommendation reflects it.", "parameters": [P["userId"]],
       "requestBody": {"required": True, "content": {"application/json": {"schema": ref("PostRating")}}},
       "responses": {"201": ok(ref("StoredRating"), "Stored durably"), **std("400", "404", "413", "422"), "503": err("The store could not write; nothing was stored.")}}},
  # The page's Explore, Train and Map panels (Sources/RecommenderServer/PageRoutes.swift).
  "/v1/explore": {"get": {"operationId": "explore", "summary": "The data set's tables and SVG charts for a genre and/or occupation (the page's Explore panel).",
     "parameters": [{"name": "genre", "in": "query", "description": "Only movies of this genre.", "schema": {"type": "string", "maxLength": 100}},
                    {"name": "occupation", "in": "query", "description": "Only users of this occupation (data sets with a user table).", "schema": {"type": "string", "maxLength": 100}},
                    {"name": "top", "in": "query", "description": "Rows of the top tables (1...50).", "schema": {"type": "integer", "minimum": 1, "maximum": 50, "default": 10}}],
     "responses": {"200": ok(ref("Explore")), "400": err("A parameter out of range."), "422": err("Unknown genre or occupation (unknown_genre, unknown_occupation)."),
                   "404": err("The server was started without a data set (no_data)."), "503": err("The data set could not be read.")}}},
  "/v1/models/{name}/map": {"get": {"operationId": "modelMap", "summary": "t-SNE map of the model's item embeddings with embedding norms and popularity (computed once per model version).",
     "parameters": [P["modelName"]], "responses": {"200": ok(ref("ItemMap")), **std("404"), "422": err("The model has no item embeddings.")}}},
  "/v1/training": {
     "get": {"operationId": "trainingOverview", "summary": "Whether the server has data to train on, the page's training limits, the running and recent runs.", "responses": {"200": ok(ref("TrainingOverview"))}},
     "post": {"operationId": "startTraining", "summary": "Start a training run on the server's data plus the store; one at a time. The model is served under `name` when it finishes.",
       "requestBody": {"required": True, "content": {"application/json": {"schema": ref("TrainingStart")}}},
       "responses": {"202": ok(ref("TrainingRun"), "Started"), "400": err("Malformed JSON or wrong types."), "404": err("The server was started without a data set (no_data)."),
                     "409": err("A run is going, the name is a command-line model's, or too many page models."), "413": err("Body too large."),
                     "422": err("Unknown algorithm, unknown hyper-parameter, a value out of bounds or over the page's limit."), "503": err("The data set could not be read.")}}},
  "/v1/training/{id}": {"get": {"operationId": "trainingRun", "summary": "A run's state and its per-step metrics so far.",
     "parameters": [P["runId"]], "responses": {"200": ok(ref("TrainingRun")), **std("400", "404")}}},
  "/v1/training/{id}/events": {"get": {"operationId": "trainingEvents", "summary": "Server-sent events: `progress` (one per step, data: TrainingEvent JSON, from the first step on), then one `done` (data: status, name, message, model_version), then the stream ends.",
     "parameters": [P["runId"]], "responses": {"200": {"description": "text/event-stream", "content": {"text/event-stream": {"schema": {"type": "string"}}}}, **std("400", "404")}}},
 },
 "components": {"schemas": {
  "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
  "Id": {"oneOf": [{"type": "string", "minLength": 1, "maxLength": 256, "pattern": NOCTRL}, {"type": "integer", "minimum": -9223372036854775808, "maximum": 9223372036854775807}], "description": "A raw id; an integer is taken as its decimal text."},
  "Reason": {"type": "object", "required": ["item", "title", "contribution"], "properties": {"item": {"type": "string"}, "title": {"type": "string"}, "contribution": {"type": "number"}}},
  "Item": {"type": "object", "required": ["item", "title", "genres", "score"], "properties": {"item": {"type": "string"}, "title": {"type": "string"}, "genres": {"type": "array", "items": {"type": "string"}}, "score": {"type": "number"}, "because": {"type": "array", "items": ref("Reason")}}},
  "Recommendations": {"type": "object", "required": ["model", "model_version", "fold_in", "recommendations"], "properties": {"model": {"type": "string"}, "model_version": {"type": "integer"}, "user": {"type": "string"}, "fold_in": {"type": "boolean"}, "recommendations": {"type": "array", "items": ref("Item")}}},
  "Similar": {"type": "object", "required": ["model", "model_version", "item", "title", "measure", "similar"], "properties": {"model": {"type": "string"}, "model_version": {"type": "integer"}, "item": {"type": "string"}, "title": {"type": "string"}, "measure": {"type": "string", "enum": ["cosine", "dot"]}, "similar": {"type": "array", "items": ref("Item")}}},
  "Items": {"type": "object", "required": ["model", "query", "total", "items"], "properties": {"model": {"type": "string"}, "query": {"type": "string"}, "total": {"type": "integer"}, "items": {"type": "array", "items": {"type": "object", "required": ["item", "title", "genres"], "properties": {"item": {"type": "string"}, "title": {"type": "string"}, "year": {"type": ["integer", "null"]}, "genres": {"type": "array", "items": {"type": "string"}}, "ratings": {"type": "integer"}}}}}},
  "RatingIn": {"type": "object", "required": ["item", "rating"], "properties": {"item": ref("Id"), "rating": RATING}},
  "AdHocRequest": {"type": "object", "required": ["ratings"], "properties": {"ratings": {"type": "array", "maxItems": 10000, "items": ref("RatingIn")}, "k": {"type": "integer", "minimum": 1, "maximum": 1000}, "model": {"type": "string"}, "exclude_rated": {"type": "boolean"}, "genre": {"type": "array", "items": {"type": "string"}}, "explain": {"type": "boolean"}}},
  "PredictRequest": {"type": "object", "required": ["pairs"], "properties": {"model": {"type": "string"}, "pairs": {"type": "array", "minItems": 1, "maxItems": 10000, "items": {"type": "object", "required": ["user", "item"], "properties": {"user": ref("Id"), "item": ref("Id")}}}}},
  "Predictions": {"type": "object", "required": ["model", "model_version", "predictions"], "properties": {"model": {"type": "string"}, "model_version": {"type": "integer"}, "predictions": {"type": "array", "items": {"type": "object", "required": ["user", "item", "rating"], "properties": {"user": {"type": "string"}, "item": {"type": "string"}, "rating": {"type": "number"}}}}}},
  "PostRating": {"type": "object", "required": ["item", "rating"], "properties": {"item": ref("Id"), "rating": RATING, "timestamp": {"type": "integer", "minimum": 0, "maximum": 4102444800}, "source": {"type": "string", "minLength": 1, "maxLength": 64}}},
  "StoredRating": {"type": "object", "required": ["user", "item", "rating", "timestamp", "source"], "properties": {"user": {"type": "string"}, "item": {"type": "string"}, "rating": {"type": "number"}, "timestamp": {"type": "integer"}, "source": {"type": "string"}}},
  "UserRatings": {"type": "object", "required": ["user", "known_to_model", "training_ratings", "ratings"], "properties": {"user": {"type": "string"}, "known_to_model": {"type": "boolean"}, "training_ratings": {"type": "integer"}, "ratings": {"type": "array", "items": ref("StoredRating")}}},
  "Model": {"type": "object", "required": ["name", "kind", "version", "path", "loaded_at", "capabilities", "hyperparameters", "data", "metrics", "genres", "retraining", "retrieval", "history"],
     "properties": {"name": {"type": "string"}, "kind": {"type": "string"}, "algorithm": {"type": "string"}, "version": {"type": "integer"}, "path": {"type": "string"}, "loaded_at": {"type": "string"}, "trained_at": {"type": "string"}, "training_seconds": {"type": "number"}, "seed": {"type": "integer"},
        "capabilities": {"type": "array", "items": {"type": "string", "enum": ["recommend", "fold_in", "similar", "predict", "explain"]}},
        "hyperparameters": {"type": "object"}, "data": {"type": "object", "required": ["users", "items"], "properties": {"dataset": {"type": "string"}, "users": {"type": "integer"}, "items": {"type": "integer"}, "interactions": {"type": "integer"}, "validation_interactions": {"type": "integer"}}},
        "metrics": {"type": "object", "additionalProperties": {"type": "number"}}, "genres": {"type": "array", "items": {"type": "string"}}, "rating_scale": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        "retraining": {"type": "boolean"}, "retrieval": {"type": "string", "description": "How known users' recommendations are retrieved: hnsw (the index beside the model file), exact, or exact with the reason an index was not used."}, "history": {"type": "string", "enum": ["memory", "model file"], "description": "Where the users' training ratings (for exclude_rated, explanations and counts) are read from: memory, or the model file (large factor models, read a user's row per request)."}, "last_retrained_at": {"type": "string"}, "last_failure": {"type": "object", "required": ["message", "at"], "properties": {"message": {"type": "string"}, "at": {"type": "string"}}}}},
  "Count": {"type": "object", "additionalProperties": False, "required": ["name", "count"], "properties": {"name": {"type": "string"}, "count": {"type": "integer", "minimum": 0}}},
  "Ranked": {"type": "object", "additionalProperties": False, "required": ["rank", "item", "title", "ratings", "mean"], "properties": {"rank": {"type": "integer", "minimum": 1}, "item": {"type": "string"}, "title": {"type": "string"}, "ratings": {"type": "integer", "minimum": 1}, "mean": {"type": "number"}}},
  "Explore": {"type": "object", "additionalProperties": False,
     "required": ["dataset", "genres", "occupations", "users", "items", "ratings", "explicit_ratings", "min_ratings", "top_by_count", "top_by_mean", "ratings_per_genre", "users_by_occupation", "charts"],
     "properties": {"dataset": {"type": "string"}, "genre": {"type": "string"}, "occupation": {"type": "string"}, "genres": {"type": "array", "items": {"type": "string"}}, "occupations": {"type": "array", "items": {"type": "string"}},
        "users": {"type": "integer", "minimum": 0}, "items": {"type": "integer", "minimum": 0}, "ratings": {"type": "integer", "minimum": 0}, "explicit_ratings": {"type": "boolean"}, "min_ratings": {"type": "integer"},
        "top_by_count": {"type": "array", "items": ref("Ranked")}, "top_by_mean": {"type": "array", "items": ref("Ranked")},
        "ratings_per_genre": {"type": "array", "items": ref("Count")}, "users_by_occupation": {"type": "array", "items": ref("Count")},
        "charts": {"type": "array", "items": {"type": "object", "additionalProperties": False, "required": ["name", "title", "svg"], "properties": {"name": {"type": "string"}, "title": {"type": "string"}, "svg": {"type": "string"}}}}}},
  "ItemMap": {"type": "object", "additionalProperties": False, "required": ["model", "model_version", "kind", "perplexity", "iterations", "kl_divergence", "seconds", "cached", "genres", "points"],
     "properties": {"model": {"type": "string"}, "model_version": {"type": "integer"}, "kind": {"type": "string"}, "perplexity": {"type": "number"}, "iterations": {"type": "integer"}, "kl_divergence": {"type": "number"},
        "seconds": {"type": "number"}, "cached": {"type": "boolean"}, "genres": {"type": "array", "items": {"type": "string"}},
        "points": {"type": "array", "items": {"type": "object", "additionalProperties": False, "required": ["item", "title", "genre", "genres", "x", "y", "norm", "ratings"],
           "properties": {"item": {"type": "string"}, "title": {"type": "string"}, "genre": {"type": "string"}, "genres": {"type": "array", "items": {"type": "string"}}, "x": {"type": "number"}, "y": {"type": "number"}, "norm": {"type": "number", "minimum": 0}, "ratings": {"type": "integer", "minimum": 0}}}}}},
  "HyperparameterValue": {"type": ["integer", "number", "string", "boolean", "array"], "items": {"type": "integer"}},
  "TrainingStart": {"type": "object", "required": ["algorithm"], "properties": {"algorithm": {"type": "string"}, "name": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,40}$"},
     "hyperparameters": {"type": "object", "additionalProperties": ref("HyperparameterValue")}, "seed": {"type": "integer", "minimum": 0}}},
  "TrainingEvent": {"type": "object", "additionalProperties": False, "required": ["step", "step_count", "unit", "metrics", "elapsed_seconds"],
     "properties": {"step": {"type": "integer"}, "step_count": {"type": "integer"}, "unit": {"type": "string"}, "metrics": {"type": "object", "additionalProperties": {"type": "number"}}, "elapsed_seconds": {"type": "number"}}},
  "TrainingRun": {"type": "object", "additionalProperties": False, "required": ["id", "name", "algorithm", "status", "hyperparameters", "capped", "validation_fraction", "started_at", "events"],
     "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "algorithm": {"type": "string"}, "status": {"type": "string", "enum": ["running", "succeeded", "failed"]},
        "hyperparameters": {"type": "object", "additionalProperties": ref("HyperparameterValue")}, "capped": {"type": "array", "items": {"type": "string"}}, "validation_fraction": {"type": "number", "minimum": 0, "maximum": 1},
        "started_at": {"type": "string"}, "finished_at": {"type": "string"}, "seconds": {"type": "number"}, "message": {"type": "string"}, "model_version": {"type": "integer"},
        "events": {"type": "array", "items": ref("TrainingEvent")}}},
  "TrainingOverview": {"type": "object", "additionalProperties": False, "required": ["data", "limits", "runs"],
     "properties": {"data": {"type": "boolean"}, "data_message": {"type": "string"}, "running": {"type": "string"},
        "limits": {"type": "object", "additionalProperties": False, "required": ["max_steps", "max_embedding_dim", "max_neighbours", "max_page_models", "threads", "step_parameters", "dimension_parameters"],
           "properties": {"max_steps": {"type": "integer"}, "max_embedding_dim": {"type": "integer"}, "max_neighbours": {"type": "integer"}, "max_page_models": {"type": "integer"}, "threads": {"type": "integer"},
              "step_parameters": {"type": "array", "items": {"type": "string"}}, "dimension_parameters": {"type": "array", "items": {"type": "string"}}}},
        "runs": {"type": "array", "items": ref("TrainingRun")}}},
  "Models": {"type": "object", "required": ["models", "default"], "properties": {"models": {"type": "array", "items": ref("Model")}, "default": {"type": "string"}}},
 }},
}
# The server reads an optional body field sent as null as absent: say so, or the document would be
# looser in one direction and stricter in the other than the server.
for name in ["AdHocRequest", "PredictRequest", "PostRating", "TrainingStart"]:
    schema = doc["components"]["schemas"][name]
    for field, prop in schema["properties"].items():
        if field in schema.get("required", []):
            continue
        if isinstance(prop.get("type"), str):
            prop["type"] = [prop["type"], "null"]
        else:
            schema["properties"][field] = {"anyOf": [prop, {"type": "null"}]}
print(json.dumps(doc, indent=1))
