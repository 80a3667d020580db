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
  "Model": {"type": "object", "required": ["name", "kind", "version", "path", "loaded_at", "capabilities", "hyperparameters", "data", "metrics", "genres", "retraining", "retrieval"],
     "properties": {"name": {"type": "string"}, "kind": {"type": "string"}, "algorithm": {"type": "string"}, "version": {"type": "integer"}, "path": {"type": "string"}, "loaded_at": {"type": "string"}, "trained_at": {"type": "string"}, "training_seconds": {"type": "number"}, "seed": {"type": "integer"},
        "capabilities": {"type": "array", "items": {"type": "string", "enum": ["recommend", "fold_in", "similar", "predict", "explain"]}},
        "hyperparameters": {"type": "object"}, "data": {"type": "object", "required": ["users", "items"], "properties": {"dataset": {"type": "string"}, "users": {"type": "integer"}, "items": {"type": "integer"}, "interactions": {"type": "integer"}, "validation_interactions": {"type": "integer"}}},
        "metrics": {"type": "object", "additionalProperties": {"type": "number"}}, "genres": {"type": "array", "items": {"type": "string"}}, "rating_scale": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        "retraining": {"type": "boolean"}, "retrieval": {"type": "string", "description": "How known users' recommendations are retrieved: hnsw (the index beside the model file), exact, or exact with the reason an index was not used."}, "last_retrained_at": {"type": "string"}, "last_failure": {"type": "object", "required": ["message", "at"], "properties": {"message": {"type": "string"}, "at": {"type": "string"}}}}},
  "Models": {"type": "object", "required": ["models", "default"], "properties": {"models": {"type": "array", "items": ref("Model")}, "default": {"type": "string"}}},
 }},
}
print(json.dumps(doc, indent=1))
