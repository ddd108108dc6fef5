-- +goose Up
-- Published forecasts: lines is the JSON array of the forecast's lines.
CREATE TABLE crm_forecast (
    id           TEXT PRIMARY KEY,
    published_at BIGINT NOT NULL,
    user_id      TEXT NOT NULL,
    currency     TEXT NOT NULL,
    lines        TEXT NOT NULL
);
CREATE INDEX crm_forecast_published ON crm_forecast (published_at);

-- +goose Down
DROP TABLE crm_forecast;
