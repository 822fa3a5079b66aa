//! Sending WeCom's rows (`wecom::render`): app messages and cards to members, with the code
//! each card's send gives kept for its update; card updates; pictures uploaded; group robots'
//! posts with the officers they mention.
use super::{ApiError, Sender};
use crate::store::DueMessage;
use crate::wecom::api::{WecomApi, WecomError};
use serde_json::Value;

/// WeCom's answer in the terms the sender records.
pub(super) fn wecom_error(e: WecomError) -> ApiError {
    match e {
        WecomError::Transient(e) => ApiError::Transient(e),
        WecomError::RateLimited(wait) => ApiError::RetryAfter(wait.as_secs().max(1)),
        WecomError::Unreachable(e) => ApiError::Unreachable(e),
        WecomError::Rejected(e) => ApiError::Rejected(e),
    }
}

impl Sender {
    /// Send a WeCom row to the member or robot behind `chat`.
    pub(super) async fn wecom_send(
        &self,
        msg: &DueMessage,
        mut params: Value,
        chat: i64,
    ) -> Result<Value, ApiError> {
        use crate::wecom::render as r;
        if msg.method == r::NONE {
            return Ok(Value::Null);
        }
        let api = self.wecom_api()?;
        let to = self
            .store
            .wecom_external(chat)
            .await
            .map_err(|e| ApiError::Transient(e.to_string()))?
            .ok_or_else(|| {
                ApiError::Unreachable("no WeCom member or robot at this address".into())
            })?;
        if let Some(obj) = params.as_object_mut() {
            obj.remove("chat_id");
        }
        match msg.method.as_str() {
            r::ROBOT => {
                let post = self.mentioning(params).await?;
                api.robot_send(&to, post).await.map_err(wecom_error)?
            }
            r::TEXT => {
                params["touser"] = to.into();
                api.send(params).await.map_err(wecom_error)?;
            }
            r::CARD => {
                let more = params.as_object_mut().and_then(|o| o.remove(r::MORE_CARDS));
                params["touser"] = to.clone().into();
                self.send_card(api, params).await?;
                // The buttons past a card's six, on the cards after it.
                for card in more
                    .as_ref()
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let next = serde_json::json!({
                        "touser": to, "msgtype": "template_card", "template_card": card,
                    });
                    self.send_card(api, next).await?;
                }
            }
            r::UPDATE => {
                let task = params["task_id"].as_str().unwrap_or_default().to_string();
                // A card's send and each press give one code an update takes; without one
                // (spent, or pruned after 72 h) the card stays as it is.
                let code = self
                    .store
                    .card_code(&task)
                    .await
                    .map_err(|e| ApiError::Transient(e.to_string()))?;
                let Some(code) = code else {
                    return Ok(Value::Null);
                };
                let card = params["template_card"].take();
                let body = serde_json::json!({
                    "userids": [to], "response_code": code, "template_card": card,
                });
                api.update_card(body).await.map_err(wecom_error)?;
                if let Err(e) = self.store.card_code_used(&task, &code).await {
                    tracing::warn!(error = %e, "forgetting a used card code failed");
                }
            }
            r::ROBOT_IMAGE => {
                // The picture alone: a robot's image has no caption, and a second post would
                // take two of its 20 a minute in the pacer's one slot. What it shows comes in
                // the text beside it (a report's card).
                let file = params["file"].as_str().unwrap_or_default().to_string();
                let jpeg = self.picture(&file).await?;
                api.robot_send(&to, robot_image(&jpeg))
                    .await
                    .map_err(wecom_error)?;
            }
            r::IMAGE => {
                let file = params["file"].as_str().unwrap_or_default().to_string();
                let jpeg = self.picture(&file).await?;
                let media = api.upload_image(jpeg).await.map_err(wecom_error)?;
                let image = serde_json::json!({
                    "touser": to, "msgtype": "image", "image": { "media_id": media },
                });
                api.send(image).await.map_err(wecom_error)?;
                if let Some(caption) = params["caption"].as_str().filter(|c| !c.is_empty()) {
                    let text = serde_json::json!({
                        "touser": to, "msgtype": "text", "text": { "content": caption },
                    });
                    api.send(text).await.map_err(wecom_error)?;
                }
            }
            other => return Err(ApiError::Rejected(format!("unknown WeCom call {other}"))),
        }
        Ok(Value::Null)
    }
}

impl Sender {
    /// Send one card and keep the code its send gave (it updates the card once, before
    /// anyone presses it). A card WeCom already has (its task id taken) was sent by an
    /// earlier attempt of this row whose answer was lost, or before a later card failed.
    async fn send_card(&self, api: &WecomApi, card: Value) -> Result<(), ApiError> {
        let task = card["template_card"]["task_id"]
            .as_str()
            .map(str::to_string);
        let answer = match api.send(card).await {
            Ok(answer) => answer,
            Err(e) if e.is_task_taken() => return Ok(()),
            Err(e) => return Err(wecom_error(e)),
        };
        let code = answer["response_code"].as_str().filter(|c| !c.is_empty());
        if let (Some(task), Some(code)) = (task, code) {
            let now = self.clock.now_ms();
            if let Err(e) = self.store.keep_card_code(&task, code, now).await {
                // The card is sent; it only stays as it is until someone presses it.
                tracing::warn!(error = %e, "keeping a card's code failed");
            }
        }
        Ok(())
    }

    /// A robot's post with the members it mentions by UserID (`mentioned_list`), in place of
    /// their addresses (`wecom::render::MENTION`); one whose way back is unknown is left out.
    async fn mentioning(&self, mut post: Value) -> Result<Value, ApiError> {
        let Some(Value::Array(chats)) = post
            .as_object_mut()
            .and_then(|o| o.remove(crate::wecom::render::MENTION))
        else {
            return Ok(post);
        };
        let mut userids = Vec::new();
        for chat in chats.iter().filter_map(Value::as_i64) {
            let found = self.store.wecom_external(chat).await;
            match found.map_err(|e| ApiError::Transient(e.to_string()))? {
                Some(userid) if !userids.contains(&userid) => userids.push(userid),
                _ => {}
            }
        }
        if !userids.is_empty() {
            post["text"]["mentioned_list"] = userids.into();
        }
        Ok(post)
    }
}

/// A group robot's image post: the picture itself, in base64, with its MD5 (robots take no
/// uploaded media).
fn robot_image(jpeg: &[u8]) -> Value {
    use base64::Engine as _;
    use md5::Digest as _;
    let md5: String = md5::Md5::digest(jpeg)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let base64 = base64::engine::general_purpose::STANDARD.encode(jpeg);
    serde_json::json!({ "msgtype": "image", "image": { "base64": base64, "md5": md5 } })
}
