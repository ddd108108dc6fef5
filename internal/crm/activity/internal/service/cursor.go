package service

import (
	"encoding/base64"
	"encoding/json"
)

func encodeCursor(c cursor) (string, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func decodeCursor(s string, c *cursor) (bool, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, c); err != nil || c.ID == "" {
		return false, err
	}
	return true, nil
}
