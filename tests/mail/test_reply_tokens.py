import uuid

from assistant.mail import reply_tokens


def test_a_token_names_its_conversation_and_survives_lower_and_upper_case():
    conversation_id = uuid.uuid4()
    token = reply_tokens.token_for(conversation_id)
    assert len(token) == reply_tokens.TOKEN_LENGTH
    assert reply_tokens.conversation_id_from(token) == conversation_id
    assert reply_tokens.conversation_id_from(token.upper()) == conversation_id


def test_an_altered_or_guessed_token_names_nothing():
    token = reply_tokens.token_for(uuid.uuid4())
    altered = ("b" if token[0] != "b" else "c") + token[1:]
    assert reply_tokens.conversation_id_from(altered) is None
    assert reply_tokens.conversation_id_from("a" * reply_tokens.TOKEN_LENGTH) is None
    assert reply_tokens.conversation_id_from("not-a-token") is None
    assert reply_tokens.conversation_id_from("") is None


def test_a_reply_is_found_by_its_sub_address_or_its_subject_tag():
    conversation_id = uuid.uuid4()
    address = reply_tokens.reply_address("support@example.com", conversation_id)
    assert address.startswith("support+") and address.endswith("@example.com")
    assert (
        reply_tokens.conversation_id_in(addresses=[address.upper()], subject="") == conversation_id
    )
    subject = f"Re: Your order {reply_tokens.subject_tag(conversation_id)}"
    assert (
        reply_tokens.conversation_id_in(addresses=["support@example.com"], subject=subject)
        == conversation_id
    )
    assert (
        reply_tokens.conversation_id_in(addresses=["support@example.com"], subject="Re: hi") is None
    )


def test_a_token_whose_padding_bits_were_changed_names_nothing():
    token = reply_tokens.token_for(uuid.uuid4())
    # The last base32 character holds 4 bits of MAC and 4 of padding: every other character
    # that decodes to the same MAC bits is a different, non-canonical spelling.
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    for other in alphabet.replace(token[-1], ""):
        assert reply_tokens.conversation_id_from(token[:-1] + other) is None
